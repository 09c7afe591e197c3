import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest
import Support

/// The FID Inception-v3: architecture against pytorch-fid's key list (Fixtures/make_inception_keys.py),
/// weight loading, the download path (file:// URL) and the missing-weights message.
final class InceptionTests: XCTestCase {
    var temp: URL!

    override func setUpWithError() throws {
        temp = FileManager.default.temporaryDirectory.appendingPathComponent("inception-\(UUID())")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: temp) }

    func testKeysAndShapesMatchPytorchFID() throws {
        let model = try InceptionV3FID(generator: RandomGenerator(seed: 1))
        let expected = try String(contentsOf: Fixtures.url("inception_fid_keys.txt"), encoding: .utf8)
            .split(separator: "\n").map { line -> (String, [Int]) in
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                return (String(parts[0]), parts[1].split(separator: ",").compactMap { Int($0) })
            }
        let actual = model.stateDict().map { ($0.name, $0.tensor.shape) }
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertEqual(actual.map(\.0), expected.map(\.0))
        for ((name, shape), (_, want)) in zip(actual, expected) where shape != want {
            XCTFail("\(name): \(shape) vs \(want)")
        }
    }

    /// The state dict of Fixtures/make_inception_reference.py: formula weights that both sides compute
    /// with the same libtorch ops (the real FID weights are not available offline).
    func syntheticStateDict() throws -> [String: Tensor] {
        let lines = try String(contentsOf: Fixtures.url("inception_fid_keys.txt"), encoding: .utf8).split(separator: "\n")
        var out: [String: Tensor] = [:]
        for (k, line) in lines.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            let name = String(parts[0]), shape = parts[1].split(separator: ",").compactMap { Int($0) }
            if name.hasSuffix("num_batches_tracked") { out[name] = try Tensor.zeros([], dtype: .i64); continue }
            let n = shape.reduce(1, *)
            let base = try Tensor.arange(0, Double(n), dtype: .f32) * 0.37 + Double(k)
            let t: Tensor
            if name.hasSuffix("conv.weight") {
                t = try base.sin() * (2.0 / Double(shape[1] * shape[2] * shape[3])).squareRoot()
            } else if name.hasSuffix("bn.weight") {
                t = try base.sin() * 0.1 + 1
            } else if name.hasSuffix("bn.bias") {
                t = try base.cos() * 0.1
            } else if name.hasSuffix("running_mean") {
                t = try base.sin() * 0.05
            } else {
                t = try base.sin().abs() * 0.2 + 1
            }
            out[name] = try t.reshape(shape)
        }
        return out
    }

    func testForwardMatchesPyTorchWithSyntheticWeights() throws {
        let model = try InceptionV3FID()
        try model.loadStateDict(syntheticStateDict())
        let inputs = try Fixtures.tensor("inception_inputs.f32", shape: [2, 3, 32, 32], dtype: .f32)
        let reference = try Fixtures.tensor("inception_features.f32", shape: [2, 2048], dtype: .f32)
        let features = try model.features(of: inputs, batchSize: 2)
        let maxError = try (features - reference).abs().max().item()
        let scale = try reference.abs().max().item()
        print("FID Inception parity (synthetic weights): max abs error \(maxError) (max |feature| \(scale))")
        XCTAssertLessThan(maxError, 1e-5)
        XCTAssertGreaterThan(scale, 0.1, "reference features should not be trivial")
    }

    func testFeaturesAreBatchedAnd2048Wide() throws {
        let model = try InceptionV3FID(generator: RandomGenerator(seed: 2))
        let images = try Tensor.rand([2, 3, 32, 32], generator: RandomGenerator(seed: 3)) * 2 - 1
        let all = try model.features(of: images, batchSize: 2)
        XCTAssertEqual(all.shape, [2, 2048])
        let single = try model.features(of: images.narrow(dim: 0, start: 1, length: 1), batchSize: 1)
        XCTAssertLessThan(try (all.narrow(dim: 0, start: 1, length: 1) - single).abs().max().item(), 1e-4)
        XCTAssertGreaterThan(try all.abs().sum().item(), 0)
    }

    func testWeightsLoadStrictlyAndDropTheClassifier() throws {
        let source = try InceptionV3FID(generator: RandomGenerator(seed: 4))
        // As in the real file: an fc head of 1008 classes, no num_batches_tracked.
        var tensors = source.stateDict().filter { !$0.name.hasSuffix("num_batches_tracked") }
        tensors.append(("fc.weight", try Tensor.zeros([1008, 2048])))
        tensors.append(("fc.bias", try Tensor.zeros([1008])))
        let file = temp.appendingPathComponent("weights.safetensors")
        try StateDictFile.write(tensors, to: file)
        let model = try InceptionV3FID(generator: RandomGenerator(seed: 5))
        try model.loadWeights(from: file)
        let a = source.stateDict().first { $0.name == "Mixed_7c.branch_pool.conv.weight" }?.tensor
        let b = model.stateDict().first { $0.name == "Mixed_7c.branch_pool.conv.weight" }?.tensor
        XCTAssertEqual(try XCTUnwrap(a).toArray(of: Float.self), try XCTUnwrap(b).toArray(of: Float.self))
        XCTAssertTrue(model.name.contains("FID weights"))
        // A file of another network is refused with the offending key.
        let other = temp.appendingPathComponent("other.safetensors")
        try StateDictFile.write([("Conv2d_1a_3x3.conv.weight", try Tensor.zeros([8, 3, 3, 3]))], to: other)
        XCTAssertThrowsError(try model.loadWeights(from: other)) { XCTAssertTrue("\($0)".contains("Conv2d_1a_3x3"), "\($0)") }
    }

    func testDownloadFromAFileURLChecksTheHashPrefix() throws {
        let file = temp.appendingPathComponent("served.bin")
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: file)
        let target = temp.appendingPathComponent("cache/pt_inception.pth")
        // Wrong hash prefix: refused, nothing left behind.
        XCTAssertThrowsError(try InceptionWeights.download(from: file.absoluteString, to: target, sha256Prefix: "00000000")) { error in
            XCTAssertTrue("\(error)".contains("SHA-256"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        // The right prefix (as torch.hub checks it): fetched via curl from the file:// URL.
        var hasher = SHA256()
        hasher.update([UInt8](try Data(contentsOf: file)))
        let prefix = String(hasher.finalizeHex().prefix(8))
        let fetched = try InceptionWeights.download(from: file.absoluteString, to: target, sha256Prefix: prefix)
        XCTAssertEqual(try Data(contentsOf: fetched), try Data(contentsOf: file))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathExtension("partial").path))
        // A dead URL is a typed download error.
        XCTAssertThrowsError(try InceptionWeights.download(from: temp.appendingPathComponent("missing").absoluteString,
                                                           to: target, sha256Prefix: nil)) { error in
            guard case EvaluationError.downloadFailed = error else { return XCTFail("\(error)") }
        }
    }

    func testMissingWeightsMessageSaysWhatToGetAndWhere() {
        XCTAssertThrowsError(try InceptionWeights.locate(explicit: "/nonexistent/pt_inception.pth")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("pt_inception-2015-12-05-6726825d.pth"), text)
            XCTAssertTrue(text.contains("--inception-weights"), text)
            XCTAssertTrue(text.contains(".cache/deepi2i"), text)
        }
    }
}
