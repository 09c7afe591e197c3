import DeepI2I
import Foundation
import Torch
import XCTest

/// FID and KID against upstream code on the same feature arrays (arrays from Fixtures/make_fid_kid_reference.py; values from
/// Fixtures/upstream_fid_kid_reference.py:
/// pytorch-fid's calculate_frechet_distance with scipy.linalg.sqrtm, torch-fidelity's MMD).
final class FIDKIDParityTests: XCTestCase {
    struct Case {
        let name: String, a: Tensor, b: Tensor, fid: Double, kidFull: Double
        let subsets: [(a: [Int64], b: [Int64], mmd: Double)]
        let kidMean: Double, kidStd: Double
    }

    func cases() throws -> [Case] {
        let root = try Fixtures.json("fidkid_reference.json")
        guard let list = root["cases"] as? [[String: Any]] else { throw XCTSkip("no cases") }
        return try list.map { c in
            let name = try XCTUnwrap(c["name"] as? String)
            let d = try XCTUnwrap(c["d"] as? Int), na = try XCTUnwrap(c["n_a"] as? Int), nb = try XCTUnwrap(c["n_b"] as? Int)
            let subsets = try XCTUnwrap(c["subsets"] as? [[String: Any]]).map { s in
                (a: try XCTUnwrap(s["a"] as? [Int]).map(Int64.init), b: try XCTUnwrap(s["b"] as? [Int]).map(Int64.init),
                 mmd: try XCTUnwrap(s["mmd"] as? Double))
            }
            return Case(name: name,
                        a: try Fixtures.tensor("fidkid_\(name)_a.f64", shape: [na, d], dtype: .f64),
                        b: try Fixtures.tensor("fidkid_\(name)_b.f64", shape: [nb, d], dtype: .f64),
                        fid: try XCTUnwrap(c["fid"] as? Double), kidFull: try XCTUnwrap(c["kid_full_prefix"] as? Double),
                        subsets: subsets, kidMean: try XCTUnwrap(c["kid_mean"] as? Double),
                        kidStd: try XCTUnwrap(c["kid_std"] as? Double))
        }
    }

    func relativeError(_ x: Double, _ ref: Double) -> Double { abs(x - ref) / max(abs(ref), 1e-12) }

    func testFIDMatchesScipyOnWellPosedFeatures() throws {
        let c = try XCTUnwrap(cases().first { $0.name == "wellposed" })
        let fid = try FID.distance(c.a, c.b)
        print("FID parity (well-posed, 120/100 x 16): \(fid) vs scipy \(c.fid), relative error \(relativeError(fid, c.fid))")
        XCTAssertLessThan(relativeError(fid, c.fid), 1e-9, "FID \(fid) vs scipy \(c.fid)") // measured 1.8e-13
    }

    func testFIDMatchesScipyWithSingularCovariances() throws {
        // 24 and 20 samples in 32 dimensions: both covariances are rank-deficient.
        let c = try XCTUnwrap(cases().first { $0.name == "singular" })
        let fid = try FID.distance(c.a, c.b)
        print("FID parity (singular, 24/20 x 32): \(fid) vs scipy \(c.fid), relative error \(relativeError(fid, c.fid))")
        XCTAssertLessThan(relativeError(fid, c.fid), 5e-8, "FID \(fid) vs scipy \(c.fid)") // measured 6.7e-9
    }

    func testFIDOfASetWithItselfIsZeroAndFloat32InputIsAccepted() throws {
        let c = try XCTUnwrap(cases().first { $0.name == "wellposed" })
        XCTAssertEqual(try FID.distance(c.a, c.a), 0, accuracy: 1e-8)
        let f32 = try FID.distance(c.a.to(dtype: .f32), c.b.to(dtype: .f32))
        XCTAssertLessThan(relativeError(f32, c.fid), 1e-4)
    }

    func testKIDPerSubsetMMDMatchesTorchFidelity() throws {
        var worst = 0.0
        defer { print("KID parity: worst relative error per subset \(worst)") }
        for c in try cases() {
            for (i, s) in c.subsets.enumerated() {
                let mmd = try KID.mmd2(c.a.indexSelect(dim: 0, index: Tensor(s.a)), c.b.indexSelect(dim: 0, index: Tensor(s.b)))
                worst = max(worst, relativeError(mmd, s.mmd))
                XCTAssertLessThan(relativeError(mmd, s.mmd), 1e-12, "\(c.name) subset \(i): \(mmd) vs \(s.mmd)")
            }
            let m = min(c.a.size(0), c.b.size(0))
            let full = try KID.mmd2(c.a.narrow(dim: 0, start: 0, length: m), c.b.narrow(dim: 0, start: 0, length: m))
            XCTAssertLessThan(relativeError(full, c.kidFull), 1e-12, "\(c.name) full set")
        }
    }

    func testKIDComputeIsSeededAndClampsTheSubsetSize() throws {
        let c = try XCTUnwrap(cases().first { $0.name == "wellposed" })
        let r1 = try KID.compute(c.a, c.b, subsets: 7, subsetSize: 1000, seed: 3)
        let r2 = try KID.compute(c.a, c.b, subsets: 7, subsetSize: 1000, seed: 3)
        XCTAssertEqual(r1, r2)
        XCTAssertEqual(r1.subsetSize, 100)
        // Subsets as large as the smaller set leave only the choice among the 120 rows of `a`;
        // the mean stays near the full-prefix estimate and the spread is small.
        XCTAssertEqual(r1.mean, c.kidFull, accuracy: 0.1 * abs(c.kidFull))
        XCTAssertGreaterThan(r1.std, 0)
        XCTAssertThrowsError(try KID.compute(c.a, c.b, subsets: 0))
    }

    func testBadShapesAreTypedErrors() throws {
        let a = try Tensor.randn([10, 4]), b = try Tensor.randn([10, 5])
        XCTAssertThrowsError(try FID.distance(a, b)) { XCTAssertTrue("\($0)".contains("widths differ")) }
        XCTAssertThrowsError(try FID.distance(try Tensor.randn([1, 4]), a)) { XCTAssertTrue("\($0)".contains("at least 2")) }
        XCTAssertThrowsError(try KID.mmd2(a, try Tensor.randn([9, 4])))
    }
}
