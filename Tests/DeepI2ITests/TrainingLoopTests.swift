import Datasets
import DeepI2I
import Foundation
import ImageIO
import Torch
import XCTest

final class TrainingLoopTests: TrainingFixtureTestCase {
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
        XCTAssertEqual(OutputFolder.kind(of: run), .trainingRun)
        XCTAssertEqual(OutputFolder.kind(of: run.appendingPathComponent("model")), .model)
        // 2 inputs (rows) x (input + 3 classes) tiles of 32 px shown at 2x, 2 px gaps.
        let sheet = try ImageDecoder.decode(contentsOf: run.appendingPathComponent("samples/iter-0000004.png").path)
        XCTAssertEqual(sheet.width, 4 * 64 + 5 * 2)
        XCTAssertEqual(sheet.height, 2 * 64 + 3 * 2)
        XCTAssertNoThrow(try ModelDirectory.load(run.appendingPathComponent("model")))
        // TensorBoard events for every iteration and both sample sheets (read back in TensorBoardEventTests).
        let records = try TensorBoardEventTests.read(run)
        XCTAssertEqual(records.filter { $0["scalars"] != nil }.map { $0["step"] as? Int }, [1, 2, 3, 4])
        let scalars = try XCTUnwrap(records.last { $0["scalars"] != nil }?["scalars"] as? [String: Double])
        XCTAssertTrue(Set(scalars.keys).isSuperset(of: ["loss/D", "loss/G_adv", "loss/G_rec", "lr/G", "lr/A", "lr/D", "images_per_second"]),
                      "\(scalars.keys)")
        XCTAssertEqual(records.filter { $0["images"] != nil }.map { $0["step"] as? Int }, [4])
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

    /// `--no-adaptor` with a transferred (frozen) encoder: phase 1 would have nothing to train on G's side
    /// (backward used to fail with "element 0 of tensors does not require grad"), so G trains from the start.
    func testNoAdaptorTransferSkipsPhaseOneAndTrainsG() throws {
        let fx = try fx
        var config = fx.config()
        config.fusionMode = .direct
        XCTAssertEqual(config.phase1Iterations, 2)
        XCTAssertEqual(TrainingSetup.roles(config).phase1Iterations, 0)
        var messages: [String] = []
        var hooks = fx.quiet
        hooks.log = { messages.append($0) }
        let run = fx.run("no-adaptor")
        _ = try trainDeepI2I(config: config, runDirectory: run, hooks: hooks)
        let log = try LossLog.read(run.appendingPathComponent("log.jsonl"))
        XCTAssertEqual(log.map(\.phase), [2, 2, 2, 2])
        XCTAssertTrue(log.allSatisfy { $0.losses.values.allSatisfy(\.isFinite) })
        let recorded = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: run.appendingPathComponent("run.json")))
        XCTAssertEqual(recorded.phase1Iterations, 0)
        XCTAssertFalse(recorded.trainsEncoder)
        XCTAssertTrue(messages.contains { $0.contains("phase 1") && $0.contains("no adaptor") }, "\(messages)")
        // G moved away from the source GAN's generator.
        let (model, _) = try ModelDirectory.load(run.appendingPathComponent("model"))
        let source = try StateDictFile.readDictionary(GANDirectory.generatorWeights(fx.gan))
        let name = "linear.weight"
        let before = try XCTUnwrap(source[name], "\(source.keys.sorted())")
        let after = try XCTUnwrap(model.generator.stateDict().first { $0.name == name }?.tensor)
        XCTAssertGreaterThan(try (after - before).abs().max().item(), 0)
        // With an adaptor, phase 1 stays.
        XCTAssertEqual(TrainingSetup.roles(fx.config()).phase1Iterations, 2)
        // A model without an adaptor continued with --from-model skips it too (it has had 4 of 10).
        var continued = fx.config(.model(directory: run.appendingPathComponent("model").path))
        continued.phase1Iterations = 10
        XCTAssertEqual(TrainingSetup.roles(continued).phase1Iterations, 0)
    }

    func testFusionWeightsOverrideTheOfficialValues() throws {
        let fx = try fx
        let dataset = try PackedDataset(at: fx.data)
        var config = fx.config()
        let levels = try TrainingSetup.make(config, dataset: dataset).model.config.fusionLevels
        XCTAssertFalse(levels.isEmpty)
        config.fusionWeights = [TrainingConfig.allFusionLevels: 1]
        var model = try TrainingSetup.make(config, dataset: dataset).model
        XCTAssertEqual(model.config.fusionWeights, Dictionary(uniqueKeysWithValues: levels.map { (String($0), 1.0) }))
        // A named level wins over "all"; the weights reach the model (and so its saved config.json).
        config.fusionWeights = [TrainingConfig.allFusionLevels: 1, String(levels[0]): 0.25]
        model = try TrainingSetup.make(config, dataset: dataset).model
        XCTAssertEqual(model.config.fusionWeight(width: levels[0]), 0.25)
        for level in levels.dropFirst() { XCTAssertEqual(model.config.fusionWeight(width: level), 1) }
        // A weight for a level that is not active would do nothing: refused, naming the active levels.
        config.fusionWeights = ["64": 1]
        XCTAssertThrowsError(try TrainingSetup.make(config, dataset: dataset)) { error in
            XCTAssertTrue("\(error)".contains("width 64"), "\(error)")
        }
        config.fusionWeights = ["8": -1]
        XCTAssertThrowsError(try config.validate())
        config.fusionWeights = ["eight": 1]
        XCTAssertThrowsError(try config.validate())
        var fineTune = fx.config(.model(directory: "unused"))
        fineTune.fusionWeights = ["8": 1]
        XCTAssertThrowsError(try fineTune.validate()) { error in
            XCTAssertTrue("\(error)".contains("--from-model keeps the saved model's"), "\(error)")
        }
    }

    /// pretrain-gan interrupted and resumed ends with exactly the weights (G, G_ema, D) and losses of an
    /// uninterrupted run; a GAN directory without training state is refused with a clear message.
    func testGANPretrainingResumeIsExact() throws {
        let fx = try fx
        var g = GANTrainingConfig(data: fx.data.path, resolution: 32, channels: 8)
        g.iterations = 4
        g.batchSize = 4
        g.ema = true
        g.emaStart = 1
        g.checkpointEvery = 3
        let straight = fx.run("gan-straight"), split = fx.run("gan-split")
        XCTAssertEqual(try pretrainGAN(config: g, outDirectory: straight, hooks: fx.quiet), .completed(iterations: 4))
        var stopping = fx.quiet
        stopping.stopAfter = 2
        guard case .interrupted(2, _) = try pretrainGAN(config: g, outDirectory: split, hooks: stopping) else {
            return XCTFail("expected an interruption at iteration 2")
        }
        XCTAssertEqual(try TrainingCheckpoint.readState(try TrainingCheckpoint.resumable(split), as: GANTrainingConfig.self).iteration, 2)
        XCTAssertEqual(try pretrainGAN(config: g, outDirectory: split, resume: true, hooks: fx.quiet), .completed(iterations: 4))
        for file in ["G.safetensors", "G_ema.safetensors", "D.safetensors"] {
            let a = try StateDictFile.readDictionary(straight.appendingPathComponent(file))
            let b = try StateDictFile.readDictionary(split.appendingPathComponent(file))
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            for (k, t) in a {
                XCTAssertEqual(try (t - XCTUnwrap(b[k])).abs().max().item(), 0, "\(file) \(k) differs after resume")
            }
        }
        func log(_ dir: URL) throws -> [LossRecord] {
            try LossLog.read(RunLayout(dir).log)
        }
        XCTAssertEqual(try log(straight).map(\.losses), try log(split).map(\.losses))
        XCTAssertEqual(try log(split).map(\.iteration), [1, 2, 3, 4])
        // The same run-folder layout as train: record, samples, checkpoints, events; the GAN files on top.
        let layout = RunLayout(split)
        let record = try JSONDecoder().decode(GANRunRecord.self, from: Data(contentsOf: layout.record))
        XCTAssertEqual(record.config, g)
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.sample(4).path))
        XCTAssertEqual(TrainingCheckpoint.list(split).map(\.lastPathComponent), ["iter-0000002", "iter-0000003", "iter-0000004"])
        let events = try TensorBoardEventTests.read(split).filter { $0["scalars"] != nil }
        XCTAssertEqual(events.map { $0["step"] as? Int }, [1, 2, 3, 4])
        XCTAssertNotNil((events.first?["scalars"] as? [String: Double])?["loss/G"])
        // Changing anything but the budget is refused; so is a folder without training state.
        var other = g
        other.batchSize = 2
        XCTAssertThrowsError(try pretrainGAN(config: other, outDirectory: split, resume: true, hooks: fx.quiet)) { error in
            XCTAssertTrue("\(error)".contains("only --iterations may change"), "\(error)")
        }
        // A DeepI2I checkpoint is not a GAN's; a folder without checkpoints has nothing to resume.
        XCTAssertThrowsError(try trainDeepI2I(config: fx.config(), runDirectory: split, resume: true, hooks: fx.quiet)) { error in
            XCTAssertTrue("\(error)".contains("is a biggan checkpoint, not deepi2i") || "\(error)".contains("unreadable"), "\(error)")
        }
        try FileManager.default.removeItem(at: RunLayout(split).checkpoints)
        XCTAssertThrowsError(try pretrainGAN(config: g, outDirectory: split, resume: true, hooks: fx.quiet)) { error in
            XCTAssertTrue("\(error)".contains("has no checkpoint"), "\(error)")
        }
    }

    /// pretrain-gan's non-finite stop: the error names the iteration and the last good checkpoint, which
    /// stays; no GAN files are published at the top of the run folder.
    func testGANPretrainingNonFiniteLossKeepsLastGoodCheckpoint() throws {
        let fx = try fx
        var g = GANTrainingConfig(data: fx.data.path, resolution: 32, channels: 8)
        g.iterations = 4
        g.batchSize = 4
        g.checkpointEvery = 2
        var hooks = fx.quiet
        hooks.injectNaNAt = 3
        let run = fx.run("gan-nan")
        XCTAssertThrowsError(try pretrainGAN(config: g, outDirectory: run, hooks: hooks)) { error in
            guard case let TrainingError.nonFiniteLoss(iteration, losses, last)? = error as? TrainingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(iteration, 3)
            XCTAssertTrue(losses.contains("nan"), losses)
            XCTAssertEqual(last.map { URL(fileURLWithPath: $0).lastPathComponent }, "iter-0000002")
        }
        XCTAssertEqual(TrainingCheckpoint.list(run).map(\.lastPathComponent), ["iter-0000002"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("G.safetensors").path))
        // The kept checkpoint is a complete GAN directory, usable for transfer.
        XCTAssertNoThrow(try GANDirectory.config(TrainingCheckpoint.list(run)[0], resolution: 32))
    }

    /// --rec-weight / --adv-weight scale the two terms of the G/A loss as logged; bad values are refused.
    func testLossWeightsScaleTheGeneratorLoss() throws {
        let fx = try fx
        var config = fx.config()
        config.iterations = 1
        config.phase1Iterations = 0
        config.reconstructionWeight = 10
        config.adversarialWeight = 0.5
        XCTAssertEqual(try trainDeepI2I(config: config, runDirectory: fx.run("weights"), hooks: fx.quiet), .completed(iterations: 1))
        let record = try XCTUnwrap(LossLog.read(fx.run("weights").appendingPathComponent("log.jsonl")).first)
        let g = try XCTUnwrap(record.losses["G"]), adv = try XCTUnwrap(record.losses["G_adv"]), rec = try XCTUnwrap(record.losses["G_rec"])
        XCTAssertEqual(g, 0.5 * adv + 10 * rec, accuracy: 1e-5 * max(1, abs(g)))
        config.reconstructionWeight = -1
        XCTAssertThrowsError(try config.validate())
        config.reconstructionWeight = 1
        config.adversarialWeight = .nan
        XCTAssertThrowsError(try config.validate())
    }
}
