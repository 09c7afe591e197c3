import Datasets
import DeepI2I
import Foundation
import ImageIO
import Torch
import XCTest

final class TrainingLoopTests: XCTestCase {
    static var fixture: TrainingFixture!

    override class func setUp() {
        super.setUp()
        do { fixture = try TrainingFixture() } catch { print("fixture: \(error)") }
    }

    override class func tearDown() {
        fixture = nil
        super.tearDown()
    }

    var fx: TrainingFixture { get throws { try XCTUnwrap(Self.fixture, "fixture failed to build") } }

    func testGANDirectoryHasBigGANLayoutAndTransfers() throws {
        let fx = try fx
        for file in ["G.safetensors", "G_ema.safetensors", "D.safetensors", "gan.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: fx.gan.appendingPathComponent(file).path), file)
        }
        let keys = Set(try StateDictFile.read(fx.gan.appendingPathComponent("G.safetensors")).map(\.name))
        XCTAssertTrue(keys.contains("shared.weight") && keys.contains("blocks.0.0.bn1.gain.weight") && keys.contains("output_layer.2.weight"))
        // The inference path used for official checkpoints gives the same config as gan.json.
        let inferred = try CheckpointInspector.inferConfig(
            generator: CheckpointInspector.shapes(fx.gan.appendingPathComponent("G_ema.safetensors")),
            discriminator: CheckpointInspector.shapes(fx.gan.appendingPathComponent("D.safetensors")), resolution: 32)
        XCTAssertEqual(inferred.generatorChannels, 8)
        XCTAssertEqual(inferred.classCount, 3)
    }

    /// An interrupted and resumed run ends with exactly the weights and losses of an uninterrupted one.
    func testResumeIsExact() throws {
        let fx = try fx
        let config = fx.config()
        let straight = fx.run("straight"), split = fx.run("split")
        XCTAssertEqual(try trainDeepI2I(config: config, runDirectory: straight, hooks: fx.quiet), .completed(iterations: 4))
        var stopping = fx.quiet
        stopping.stopAfter = 1  // mid-phase 1, between checkpoints
        guard case .interrupted(1, _) = try trainDeepI2I(config: config, runDirectory: split, hooks: stopping) else {
            return XCTFail("expected an interruption at iteration 1")
        }
        XCTAssertEqual(try trainDeepI2I(config: config, runDirectory: split, resume: true, hooks: fx.quiet), .completed(iterations: 4))
        let a = try ModelDirectory.load(straight.appendingPathComponent("model"), networks: .all).model
        let b = try ModelDirectory.load(split.appendingPathComponent("model"), networks: .all).model
        for ((name, ma), (_, mb)) in zip(a.networks, b.networks) {
            XCTAssertEqual(maxDifference(try snapshot(ma, parametersOnly: false), try snapshot(mb, parametersOnly: false)), 0,
                           "network \(name) differs after resume")
        }
        let la = try LossLog.read(straight.appendingPathComponent("log.jsonl"))
        let lb = try LossLog.read(split.appendingPathComponent("log.jsonl"))
        XCTAssertEqual(la.map(\.losses), lb.map(\.losses))
        XCTAssertEqual(la.map(\.iteration), [1, 2, 3, 4])
    }

    func testLogRunRecordAndSampleSheet() throws {
        let fx = try fx
        let run = fx.run("visible")
        _ = try trainDeepI2I(config: fx.config(), runDirectory: run, hooks: fx.quiet)
        let log = try LossLog.read(run.appendingPathComponent("log.jsonl"))
        XCTAssertEqual(log.map(\.phase), [1, 1, 2, 2])
        for record in log {
            XCTAssertEqual(Set(record.losses.keys), ["D_real", "D_fake", "D", "G_adv", "G_rec", "G"])
            XCTAssertTrue(record.losses.values.allSatisfy(\.isFinite))
        }
        let recorded = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: run.appendingPathComponent("run.json")))
        XCTAssertEqual(recorded.config, fx.config())
        // 2 inputs (rows) x (input + 3 classes) tiles of 32 px shown at 2x, 2 px gaps.
        let sheet = try ImageDecoder.decode(contentsOf: run.appendingPathComponent("samples/iter-0000004.png").path)
        XCTAssertEqual(sheet.width, 4 * 64 + 5 * 2)
        XCTAssertEqual(sheet.height, 2 * 64 + 3 * 2)
        XCTAssertNoThrow(try ModelDirectory.load(run.appendingPathComponent("model")))
    }

    func testCheckpointRotationKeepsLastN() throws {
        let fx = try fx
        var config = fx.config()
        config.checkpointEvery = 1
        config.keepCheckpoints = 2
        let run = fx.run("rotation")
        _ = try trainDeepI2I(config: config, runDirectory: run, hooks: fx.quiet)
        XCTAssertEqual(TrainingCheckpoint.list(run).map(\.lastPathComponent), ["iter-0000003", "iter-0000004"])
        XCTAssertEqual(try TrainingCheckpoint.readState(TrainingCheckpoint.list(run)[1]).iteration, 4)
    }

    func testNonFiniteLossStopsAndKeepsLastGoodCheckpoint() throws {
        let fx = try fx
        var hooks = fx.quiet
        hooks.injectNaNAt = 3
        let run = fx.run("nan")
        XCTAssertThrowsError(try trainDeepI2I(config: fx.config(), runDirectory: run, hooks: hooks)) { error in
            guard case let TrainingError.nonFiniteLoss(iteration, losses, last)? = error as? TrainingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(iteration, 3)
            XCTAssertTrue(losses.contains("nan"), losses)
            XCTAssertEqual(last.map { URL(fileURLWithPath: $0).lastPathComponent }, "iter-0000002")
            XCTAssertTrue("\(error)".contains("non-finite loss at iteration 3"))
        }
        XCTAssertEqual(TrainingCheckpoint.list(run).map(\.lastPathComponent), ["iter-0000002"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("model").path))
    }

    func testAblationFlagsShapeTheModel() throws {
        let fx = try fx
        var config = fx.config()
        config.encoderLevels = 1
        config.fusionMode = .direct
        let dataset = try PackedDataset(at: fx.data)
        let model = try TrainingSetup.make(config, dataset: dataset).model
        XCTAssertEqual(model.config.fusionLevels, [4])
        XCTAssertEqual(model.config.fusionMode, .direct)
        XCTAssertTrue(model.adaptor.parameters().isEmpty)
        config = fx.config(.transfer(ganDirectory: fx.gan.path, parts: TransferParts(generator: true, discriminator: false, encoder: false)))
        let networks = try TrainingSetup.make(config, dataset: dataset)
        XCTAssertTrue(networks.trainsEncoder)
        let gan = try StateDictFile.readDictionary(fx.gan.appendingPathComponent("D.safetensors"))
        let dWeight = try XCTUnwrap(gan["blocks.0.0.conv1.weight"])
        let own = try XCTUnwrap(networks.model.discriminator.stateDict().first { $0.name == "blocks.0.0.conv1.weight" }?.tensor)
        XCTAssertGreaterThan(try (own - dWeight).abs().max().item(), 0, "D must stay random when not transferred")
    }
}
