import DeepI2I
import Foundation
import XCTest

/// pretrain-gan stops at the first non-finite loss with a clear error, and writes no GAN from the
/// diverged weights.
final class GANPretrainingNaNTests: XCTestCase {
    func testDivergingPretrainingStopsWithNonFiniteLoss() throws {
        let fx = try TrainingFixture()
        defer { try? FileManager.default.removeItem(at: fx.root) }
        var g = GANTrainingConfig(data: fx.data.path, resolution: 32, channels: 8)
        g.iterations = 6
        g.batchSize = 4
        g.checkpointEvery = 100
        // An absurd learning rate: after one Adam step the weights are ~1e38, and the next loss overflows
        // (D steps first, so already G's loss of iteration 1).
        g.generatorLR = 1e38
        g.discriminatorLR = 1e38
        let out = fx.run("gan-nan")
        XCTAssertThrowsError(try pretrainGAN(config: g, outDirectory: out, hooks: fx.quiet)) { error in
            guard case let TrainingError.nonFiniteLoss(iteration, losses, _)? = error as? TrainingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(iteration, 1)
            XCTAssertTrue(losses.contains("nan") || losses.contains("inf"), losses)
            XCTAssertTrue("\(error)".contains("non-finite loss at iteration \(iteration)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("G.safetensors").path),
                       "no GAN is written from diverged weights")
    }
}
