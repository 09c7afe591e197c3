import Foundation
import XCTest
@testable import Torch

/// Deterministic inputs and the reference outputs written by Fixtures/make_reference.py.
enum Fixture {
    /// scale * sin(i * a + b) for i = 0..<count, computed in Double then converted: the same formula
    /// as `seq` in make_reference.py, so both sides start from identical inputs.
    static func values(_ count: Int, a: Double = 0.37, b: Double = 0, scale: Double = 1) -> [Double] {
        (0..<count).map { scale * Foundation.sin(Double($0) * a + b) }
    }

    static func seq(_ shape: [Int], a: Double = 0.37, b: Double = 0, scale: Double = 1,
                    dtype: DType = .f32) throws -> Tensor {
        let v = values(shape.reduce(1, *), a: a, b: b, scale: scale)
        return try Tensor(v, shape: shape).to(dtype: dtype)
    }

    struct Entry: Decodable {
        let shape: [Int]
        let values: [Double]
    }

    struct File: Decodable {
        let torch_version: String
        let tensors: [String: Entry]
    }

    static let file: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference.json")
        do {
            return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error). Run Tests/TorchTests/Fixtures/make_reference.py")
        }
    }()

    static func reference(_ name: String) -> Entry {
        guard let e = file.tensors[name] else { fatalError("reference.json has no '\(name)'") }
        return e
    }
}

/// Asserts that `tensor` has `name`'s reference shape and values.
func assertMatchesReference(_ tensor: Tensor, _ name: String, accuracy: Double = 1e-5,
                            file: StaticString = #filePath, line: UInt = #line) throws {
    let ref = Fixture.reference(name)
    XCTAssertEqual(tensor.shape, ref.shape, "shape of \(name)", file: file, line: line)
    try assertValues(tensor, ref.values, accuracy: accuracy, name, file: file, line: line)
}

/// Asserts elementwise closeness (relative for large magnitudes) of a tensor's values.
func assertValues(_ tensor: Tensor, _ expected: [Double], accuracy: Double = 1e-6, _ label: String = "",
                  file: StaticString = #filePath, line: UInt = #line) throws {
    let actual = try tensor.toArray(of: Double.self)
    XCTAssertEqual(actual.count, expected.count, "element count \(label)", file: file, line: line)
    var failures = 0
    for (i, (x, y)) in zip(actual, expected).enumerated() {
        let tolerance = accuracy * Swift.max(1, Swift.abs(y))
        if !(Swift.abs(x - y) <= tolerance) {
            failures += 1
            if failures <= 3 {
                XCTFail("\(label)[\(i)]: \(x) != \(y) (±\(tolerance))", file: file, line: line)
            }
        }
    }
    if failures > 3 { XCTFail("\(label): \(failures) elements differ", file: file, line: line) }
}

/// Asserts that `body` throws a TorchError whose message contains every one of `fragments`.
func assertTorchError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String],
                         file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a TorchError", file: file, line: line)
    } catch let error as TorchError {
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment),
                          "'\(error.message)' does not contain '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected a TorchError, got \(error)", file: file, line: line)
    }
}

/// Compares autograd's gradients of `f` with central finite differences (Float64 inputs).
/// A non-scalar output is contracted with fixed weights first, so every output element matters.
func gradCheck(_ label: String = "", eps: Double = 1e-6, tolerance: Double = 1e-5,
               file: StaticString = #filePath, line: UInt = #line,
               f: ([Tensor]) throws -> Tensor, inputs: [Tensor]) throws {
    for x in inputs {
        XCTAssertEqual(x.dtype, .f64, "gradCheck needs Float64 inputs", file: file, line: line)
        try x.requiresGrad(true)
    }
    let probe = try withNoGrad { try f(inputs) }
    let weights = try Fixture.seq(probe.shape, a: 0.713, b: 0.25, dtype: .f64) + 1.5
    func objective() throws -> Tensor { try (f(inputs) * weights).sum() }

    let analytic = try Autograd.grad(outputs: [objective()], inputs: inputs)
    for (k, x) in inputs.enumerated() {
        let expectedGrad = try analytic[k].map { try $0.toArray(of: Double.self) }
            ?? [Double](repeating: 0, count: x.elementCount)
        var values = try x.toArray(of: Double.self)
        var numeric = [Double](repeating: 0, count: values.count)
        for i in values.indices {
            let original = values[i]
            values[i] = original + eps
            try x.copy_(from: Tensor(values, shape: x.shape))
            let plus = try withNoGrad { try objective().item() }
            values[i] = original - eps
            try x.copy_(from: Tensor(values, shape: x.shape))
            let minus = try withNoGrad { try objective().item() }
            values[i] = original
            numeric[i] = (plus - minus) / (2 * eps)
        }
        try x.copy_(from: Tensor(values, shape: x.shape))
        var worst = 0.0
        for (a, n) in zip(expectedGrad, numeric) {
            worst = Swift.max(worst, Swift.abs(a - n) / Swift.max(1, Swift.abs(a), Swift.abs(n)))
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(label): input \(k) gradient error \(worst)", file: file, line: line)
        XCTAssertTrue(expectedGrad.contains { $0 != 0 }, "\(label): input \(k) got an all-zero gradient",
                      file: file, line: line)
    }
}
