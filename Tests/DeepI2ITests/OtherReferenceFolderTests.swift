@testable import DeepI2I
import Foundation
import TestSupport
import Torch
import XCTest

/// reference-check must work for any folder in the golden format: here one made with other seeds, batch
/// size and classes by the PyTorch networks of bench/pipeline (Debian's python3-torch).
final class OtherReferenceFolderTests: XCTestCase {
    func makeFolder(batch: Int, seed: Int) throws -> URL {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no /usr/bin/python3") }
        let out = try TestPaths.temporaryDirectory(self).appendingPathComponent("ref")
        let script = TestPaths.repository.appendingPathComponent("Tests/DeepI2ITests/Fixtures/make_reference_folder.py")
        let (status, output) = try ChildProcess.runMerged(URL(fileURLWithPath: python),
                                                          [script.path, out.path, "--batch", String(batch), "--seed", String(seed)])
        if output.contains("No module named 'torch'") { throw XCTSkip("python3-torch is not installed") }
        XCTAssertEqual(status, 0, output)
        return out
    }

    func testAnotherBatchSeedAndClassesPass() throws {
        let folder = try makeFolder(batch: 2, seed: 5)
        let results = try ReferenceCheck(folder: folder).run()
        XCTAssertEqual(results.filter { $0.kind == .gradient }.count, 84)
        for failure in results where !failure.passed {
            XCTFail("\(failure.name): \(failure.error) > \(failure.tolerance)")
        }
        // A wrong weight is caught: perturb one generator layer (with noise: spectral norm makes a pure
        // rescaling invisible) and the translations no longer match, while the encoder still does.
        let url = folder.appendingPathComponent("G.safetensors")
        var weights = try StateDictFile.read(url)
        let index = try XCTUnwrap(weights.firstIndex { $0.name == "blocks.2.0.conv1.weight" })
        weights[index].tensor = try weights[index].tensor + Tensor.randn(weights[index].tensor.shape, generator: RandomGenerator(seed: 1)) * 0.05
        try StateDictFile.write(weights, to: url)
        let broken = try ReferenceCheck(folder: folder).run()
        XCTAssertFalse(broken.first { $0.name == "eval_G" }?.passed ?? true)
        XCTAssertTrue(broken.first { $0.name == "eval_E_4" }?.passed ?? false)
    }
}
