import DeepI2I
import Foundation
import ImageIO
import TestSupport
import Torch
import XCTest

/// The shared training driver on a family of its own: one parameter pulled toward noisy targets drawn
/// from the sampling generator by Adam. Exact resume, the stop signal, the non-finite stop, checkpoint
/// rotation and the run-folder layout are the driver's, so they are tested here once for every family.
final class TrainingDriverTests: XCTestCase {
    final class ToyFamily: TrainingFamily {
        struct Config: Codable, Equatable {
            var iterations = 6
            var checkpointEvery = 2
            var keep = 2
        }
        static let kind = "toy"
        let config: Config
        let weight: Tensor
        let optimizer: Adam
        let samplingRNG: RandomGenerator
        var position = BatchStream.Position()
        /// Called after each step with the completed count (tests raise the stop signal from here).
        var afterStep: (Int) -> Void = { _ in }
        var writes: [Int] = []

        init(_ config: Config = Config()) throws {
            self.config = config
            weight = try Tensor.zeros([3]).requiresGrad(true)
            optimizer = try Adam([weight], config: AdamConfig(learningRate: 0.1))
            samplingRNG = try RandomGenerator(seed: 11)
        }

        var schedule: TrainingSchedule {
            TrainingSchedule(iterations: config.iterations, checkpointEvery: config.checkpointEvery,
                             keepCheckpoints: config.keep, sampleEvery: 3, imagesPerIteration: 3)
        }
        var optimizers: [(name: String, optimizer: Adam)] { [("W", optimizer)] }
        func seek(to position: BatchStream.Position) throws { self.position = position }
        func phase(after completed: Int) -> Int { completed < 2 ? 1 : 2 }
        var headlineLosses: [String] { ["L"] }
        var learningRates: [String: Double] { ["W": 0.1] }

        func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double] {
            position.batch += 1
            var target = try Tensor.randn([3], generator: samplingRNG) + 1.0
            if poison { target = try target * Double.nan }
            try optimizer.zeroGrad()
            let loss = try (weight - target).pow(2).mean()
            try loss.backward()
            let value = try loss.item()
            guard value.isFinite else { throw NonFiniteLoss(losses: "L \(value)") }
            try optimizer.step()
            afterStep(iteration + 1)
            return ["L": value]
        }

        func writeWeights(into checkpoint: URL, iteration: Int) throws {
            writes.append(iteration)
            try StateDictFile.write([("w", weight.detached())], to: checkpoint.appendingPathComponent("W.safetensors"))
        }
        func loadWeights(from checkpoint: URL) throws {
            let saved = try XCTUnwrap(StateDictFile.readDictionary(checkpoint.appendingPathComponent("W.safetensors"))["w"])
            try withNoGrad { try weight.copy_(from: saved) }
        }
        func writeSamples(to url: URL) throws {
            try SampleSheet.write(rows: [[RGBImage(width: 2, height: 2, red: 9, green: 9, blue: 9)]], to: url)
        }
        func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws {
            try FileManager.default.copyItem(at: checkpoint.appendingPathComponent("W.safetensors"),
                                             to: run.root.appendingPathComponent("W.safetensors"))
        }
        func runRecord(resumedFrom: String?) -> any Encodable { ["resumedFrom": resumedFrom ?? "-"] }
        func values() throws -> [Float] { try weight.detached().toArray(of: Float.self) }
    }

    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-driver-\(UUID().uuidString.prefix(8))")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    var quiet: TrainingHooks {
        var h = TrainingHooks()
        h.showProgress = false
        h.log = { _ in }
        return h
    }

    func drive(_ family: ToyFamily, _ name: String, stop: StopSignal? = nil, hooks: TrainingHooks? = nil,
               resume: Bool = false) throws -> TrainingOutcome {
        let run = root.appendingPathComponent(name)
        let checkpoint = resume ? try TrainingCheckpoint.resumable(run, family: ToyFamily.self).url : nil
        return try TrainingDriver(family: family, run: RunLayout(run), stop: stop, hooks: hooks ?? quiet).train(resumingFrom: checkpoint)
    }

    func testLayoutLogCheckpointsAndRotation() throws {
        let family = try ToyFamily()
        XCTAssertEqual(try drive(family, "plain"), .completed(iterations: 6))
        let run = RunLayout(root.appendingPathComponent("plain"))
        XCTAssertEqual(TrainingCheckpoint.list(run.root).map(\.lastPathComponent), ["iter-0000004", "iter-0000006"])
        XCTAssertEqual(family.writes, [2, 4, 6], "no extra checkpoint when the last iteration already wrote one")
        let state = try TrainingCheckpoint.readState(TrainingCheckpoint.list(run.root)[1], as: ToyFamily.Config.self)
        XCTAssertEqual(state.family, "toy")
        XCTAssertEqual(state.iteration, 6)
        XCTAssertEqual(state.phase, 2)
        XCTAssertEqual(state.position.batch, 6)
        XCTAssertEqual(state.optimizerSteps, ["W": 6])
        XCTAssertEqual(try LossLog.read(run.log).map(\.iteration), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try LossLog.read(run.log).map(\.phase), [1, 1, 2, 2, 2, 2])
        for file in [run.record, run.sample(3), run.sample(6), run.root.appendingPathComponent("W.safetensors")] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), file.lastPathComponent)
        }
        // A run of another family is not resumed as this one.
        XCTAssertThrowsError(try TrainingCheckpoint.resumable(run.root, family: DeepI2ITraining.self))
    }

    /// Stopped by the stop signal after iteration 3 (between checkpoints), then resumed: the weights, the
    /// optimizer and the random stream end exactly as in an uninterrupted run.
    func testStopSignalAndExactResume() throws {
        let straight = try ToyFamily()
        _ = try drive(straight, "straight")
        let first = try ToyFamily()
        let stop = StopSignal()
        first.afterStep = { if $0 == 3 { stop.request() } }
        XCTAssertEqual(try drive(first, "split", stop: stop),
                       .interrupted(iteration: 3, checkpoint: root.appendingPathComponent("split/checkpoints/iter-0000003").path))
        let second = try ToyFamily()
        XCTAssertEqual(try drive(second, "split", resume: true), .completed(iterations: 6))
        XCTAssertEqual(try second.values(), try straight.values())
        XCTAssertEqual(try LossLog.read(RunLayout(root.appendingPathComponent("split")).log).map(\.losses),
                       try LossLog.read(RunLayout(root.appendingPathComponent("straight")).log).map(\.losses))
    }

    func testNonFiniteLossKeepsTheLastGoodCheckpoint() throws {
        var hooks = quiet
        hooks.injectNaNAt = 5
        XCTAssertThrowsError(try drive(try ToyFamily(), "nan", hooks: hooks)) { error in
            guard case let TrainingError.nonFiniteLoss(iteration, losses, last)? = error as? TrainingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(iteration, 5)
            XCTAssertTrue(losses.contains("nan"), losses)
            XCTAssertEqual(last.map { URL(fileURLWithPath: $0).lastPathComponent }, "iter-0000004")
        }
        let run = root.appendingPathComponent("nan")
        XCTAssertEqual(TrainingCheckpoint.list(run).map(\.lastPathComponent), ["iter-0000002", "iter-0000004"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("W.safetensors").path))
    }
}

/// The TensorBoard event files the driver writes, read back by the real `tensorboard` package.
final class TensorBoardEventTests: XCTestCase {
    static let reader = Repository.root.appendingPathComponent("scripts/read_tfevents.py")

    /// The records of every event file in `dir`, as decoded by tensorboard's EventFileLoader.
    static func read(_ dir: URL) throws -> [[String: Any]] {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("events.out.tfevents.") }
            .sorted().map { dir.appendingPathComponent($0).path }
        let r = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", reader.path] + files)
        if r.stderr.contains("No module named 'tensorboard'") { throw XCTSkip("tensorboard is not installed (scripts/setup.sh installs it)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        return try r.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testDriverWritesScalarsAndSampleSheetsTensorBoardReads() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-tb-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        var hooks = TrainingHooks()
        hooks.showProgress = false
        hooks.log = { _ in }
        hooks.stopAfter = 4
        let family = try TrainingDriverTests.ToyFamily()
        _ = try TrainingDriver(family: family, run: RunLayout(root), stop: nil, hooks: hooks).train()
        // Resumed: a second event file in the same folder continues the steps.
        hooks.stopAfter = nil
        let checkpoint = try TrainingCheckpoint.resumable(root, family: TrainingDriverTests.ToyFamily.self).url
        _ = try TrainingDriver(family: try TrainingDriverTests.ToyFamily(), run: RunLayout(root), stop: nil, hooks: hooks)
            .train(resumingFrom: checkpoint)

        let records = try Self.read(root)
        XCTAssertEqual(records.compactMap { $0["file_version"] as? String }, ["brain.Event:2", "brain.Event:2"])
        let scalars = records.filter { $0["scalars"] != nil }
        XCTAssertEqual(scalars.map { $0["step"] as? Int }, [1, 2, 3, 4, 5, 6])
        for record in scalars {
            let values = try XCTUnwrap(record["scalars"] as? [String: Double])
            XCTAssertEqual(Set(values.keys), ["loss/L", "lr/W", "images_per_second"])
            XCTAssertEqual(try XCTUnwrap(values["lr/W"]), 0.1, accuracy: 1e-7)
            XCTAssertGreaterThan(try XCTUnwrap(values["images_per_second"]), 0)
        }
        // The logged losses are those of log.jsonl (as float32).
        let log = try LossLog.read(RunLayout(root).log)
        for (record, line) in zip(scalars, log) {
            let values = try XCTUnwrap(record["scalars"] as? [String: Double])
            XCTAssertEqual(try XCTUnwrap(values["loss/L"]), Double(Float(try XCTUnwrap(line.losses["L"]))), accuracy: 1e-12)
        }
        // Sample sheets at iterations 3 and 6, as PNG with their sizes.
        let images = records.filter { $0["images"] != nil }
        XCTAssertEqual(images.map { $0["step"] as? Int }, [3, 6])
        let sheet = try XCTUnwrap((images.first?["images"] as? [String: Any])?["samples"] as? [String: Any])
        let png = try ImageDecoder.decode(contentsOf: RunLayout(root).sample(3).path)
        XCTAssertEqual(sheet["width"] as? Int, png.width)
        XCTAssertEqual(sheet["height"] as? Int, png.height)
        XCTAssertEqual(sheet["colorspace"] as? Int, 3)
        XCTAssertEqual(sheet["png"] as? String, "89504e470d0a1a0a")
    }
}
