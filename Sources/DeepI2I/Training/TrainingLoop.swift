import Datasets
import Foundation
import ImageIO
import Torch

/// Test and tooling hooks of the training loop (none are needed for normal runs).
public struct TrainingHooks {
    /// Behave as if Ctrl-C arrived once this many iterations are done (interrupt/resume tests).
    public var stopAfter: Int?
    /// Poison the input images of this iteration (1-based) with NaN, to exercise the non-finite check.
    public var injectNaNAt: Int?
    public var showProgress = true
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    public init() {}
}

public enum TrainingOutcome: Equatable {
    case completed(iterations: Int)
    case interrupted(iteration: Int, checkpoint: String)
}

/// What `run.json` records beside a run's outputs.
public struct RunRecord: Codable {
    public var config: TrainingConfig
    public var model: ModelConfig
    public var dataset: String
    public var trainImages: Int
    public var trainsEncoder: Bool
    public var phase1Iterations: Int
    public var resumedFrom: String?
    public var libtorch: String
    public var threads: Int
}

/// DeepI2I training (paper section 3, official code's schedule), in the shape of StyleGAN's
/// `training_loop()`: set up (or restore) everything, then per iteration one D step and one G/A step,
/// with logging, samples and checkpoints at fixed intervals.
public func trainDeepI2I(config: TrainingConfig, runDirectory: URL, resume: Bool = false,
                         stop: StopSignal? = nil, hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
    try config.validate()
    let fm = FileManager.default
    try fm.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    let dataset: PackedDataset
    do { dataset = try PackedDataset(at: URL(fileURLWithPath: config.data)) } catch {
        throw TrainingError.data("cannot open \(config.data): \(describe(error))")
    }

    // Networks: restored from the newest checkpoint, or built as the paper says.
    var checkpoint: URL?
    let model: DeepI2IModel
    let roles = TrainingSetup.roles(config)
    if resume {
        guard let latest = TrainingCheckpoint.latest(runDirectory) else {
            throw TrainingError.checkpoint("--resume: \(runDirectory.path) has no checkpoint")
        }
        checkpoint = latest
        model = try DeepI2IModel(config: ModelDirectory.readDocument(latest.appendingPathComponent("model")).model)
    } else {
        try Torch.manualSeed(config.seed)
        model = try TrainingSetup.make(config, dataset: dataset).model
    }
    model.train()
    let step = try DeepI2IStep(model: model, config: config, trainsEncoder: roles.trainsEncoder)
    // z and target classes come from this generator; its state is part of every checkpoint.
    let samplingRNG = try RandomGenerator(seed: config.seed)
    var iteration = 0
    var position = BatchStream.Position()
    if let checkpoint {
        let state = try TrainingCheckpoint.restore(checkpoint, into: step, samplingRNG: samplingRNG)
        iteration = state.iteration
        position = state.position
        hooks.log("resuming from \(checkpoint.lastPathComponent) (iteration \(iteration), phase \(state.phase))")
    } else {
        try ImportedOptimizers.apply(config, to: step, log: hooks.log)
    }
    let phase = { (i: Int) in i < roles.phase1Iterations ? 1 : 2 }

    let loader = try DataLoader(dataset: dataset, split: .train, batchSize: config.microBatchSize, shuffles: true,
                                dropsLast: true, seed: config.seed, prefetch: 0, perClassLimit: config.trainImagesPerClass)

    // Record how this run was made, beside its outputs.
    let record = RunRecord(config: config, model: model.config, dataset: dataset.url.path,
                           trainImages: loader.imageCount, trainsEncoder: roles.trainsEncoder,
                           phase1Iterations: roles.phase1Iterations, resumedFrom: checkpoint?.path,
                           libtorch: Torch.version, threads: Torch.threadCount)
    let json = JSONEncoder()
    json.outputFormatting = [.prettyPrinted, .sortedKeys]
    try json.encode(record).write(to: runDirectory.appendingPathComponent("run.json"), options: .atomic)

    var stream = try BatchStream(loader: loader, position: position)
    var reals = try RealSampler(config: config, inputs: loader, position: position)
    let samples = try SampleGrid(dataset: dataset, model: model, rows: config.sampleRows, seed: config.seed)
    let samplesDir = runDirectory.appendingPathComponent("samples")
    try fm.createDirectory(at: samplesDir, withIntermediateDirectories: true)
    let log = try LossLog(url: runDirectory.appendingPathComponent("log.jsonl"), keepingThrough: resume ? iteration : nil)
    let progress = ProgressBar(total: config.iterations, start: iteration)
    progress.enabled = hooks.showProgress
    let started = Date()
    var lastCheckpoint = checkpoint?.path

    func saveCheckpoint() throws -> URL {
        let state = TrainingCheckpoint.State(iteration: iteration, phase: phase(iteration), position: stream.position,
                                             optimizerSteps: [:], config: config)
        let url = try TrainingCheckpoint.write(runDirectory: runDirectory, step: step, state: state,
                                               samplingRNG: samplingRNG, keep: config.keepCheckpoints)
        lastCheckpoint = url.path
        return url
    }

    while iteration < config.iterations {
        if stop?.requested == true || hooks.stopAfter == iteration {
            progress.finish()
            let url = try saveCheckpoint()
            hooks.log("stopped at iteration \(iteration); checkpoint \(url.path)")
            return .interrupted(iteration: iteration, checkpoint: url.path)
        }
        let currentPhase = phase(iteration)
        var batches: [MicroBatch] = []
        for _ in 0..<config.accumulate {
            let batch = stream.next()
            var images = try ImageTensors.tensor(from: batch, device: model.device).images
            if hooks.injectNaNAt == iteration + 1 { images = try images * Double.nan }
            batches.append(try MicroBatch.sample(images: images, classes: batch.labels, reals: reals?.next(device: model.device),
                                                 classCount: dataset.classCount, dimZ: model.config.dimZ, rng: samplingRNG))
        }
        var losses: [String: Double]
        do {
            losses = try step.discriminatorStep(batches)
            losses.merge(try step.generatorStep(batches, phase: currentPhase)) { a, _ in a }
        } catch let bad as NonFiniteLoss {
            progress.finish()
            throw TrainingError.nonFiniteLoss(iteration: iteration + 1, losses: bad.losses, lastCheckpoint: lastCheckpoint)
        }
        iteration += 1
        try log.append(LossRecord(iteration: iteration, phase: currentPhase, losses: losses,
                                  time: Date().timeIntervalSince(started)))
        progress.update(iteration, [("D", losses["D"] ?? 0), ("G_adv", losses["G_adv"] ?? 0), ("G_rec", losses["G_rec"] ?? 0)],
                        force: iteration == config.iterations)
        if iteration % config.sampleEvery == 0 || iteration == config.iterations {
            try samples.write(to: samplesDir.appendingPathComponent(String(format: "iter-%07d.png", iteration)))
        }
        if iteration % config.checkpointEvery == 0 { _ = try saveCheckpoint() }
    }
    progress.finish()
    if TrainingCheckpoint.latest(runDirectory).map({ (try? TrainingCheckpoint.readState($0).iteration) != iteration }) ?? true {
        _ = try saveCheckpoint()
    }
    try ModelDirectory.save(model, to: runDirectory.appendingPathComponent("model"),
                            provenance: ["source": "deepi2i train", "iterations": String(iteration), "run": runDirectory.path],
                            trainedIterations: (TrainingSetup.trainedIterations(before: config) ?? 0) + iteration)
    do {
        try LossCurves.plot(log: log.url, to: runDirectory.appendingPathComponent("losses.png"))
    } catch let e as Gnuplot.PlotError {
        hooks.log("warning: \(e) (losses.png skipped)")
    }
    return .completed(iterations: iteration)
}

/// The fixed sample sheet of a run: test inputs (rows) by target classes (columns), the input first,
/// with one fixed z per row, so sheets of different iterations are comparable.
public struct SampleGrid {
    let model: DeepI2IModel
    let inputs: Tensor
    let z: Tensor
    let classCount: Int

    public init(dataset: PackedDataset, model: DeepI2IModel, rows: Int, seed: UInt64) throws {
        // One input per class in turn from the test split (the train split if there is no test split).
        var pools = dataset.indicesByClass(.test)
        if pools.allSatisfy(\.isEmpty) { pools = dataset.indicesByClass(.train) }
        let nonEmpty = pools.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { throw TrainingError.data("the dataset has no images for samples") }
        var picks: [Int] = []
        for r in 0..<rows {
            let pool = nonEmpty[r % nonEmpty.count]
            picks.append(pool[(r / nonEmpty.count) % pool.count])
        }
        let loader = try DataLoader(dataset: dataset, split: .all, batchSize: 1, shuffles: false, prefetch: 0)
        inputs = try ImageTensors.tensor(from: loader.batch(picks), device: model.device).images
        z = try Tensor.randn([rows, model.config.dimZ], generator: RandomGenerator(seed: seed &+ 0x5EED), device: model.device)
        self.model = model
        classCount = dataset.classCount
    }

    /// Translates in evaluation mode (stored statistics, no state change), then returns to training mode.
    public func render() throws -> [[RGBImage]] {
        model.eval()
        defer { model.train() }
        var columns: [[RGBImage]] = [try ImageTensors.images(from: inputs)]
        try withNoGrad {
            for c in 0..<classCount {
                let out = try model.translate(inputs, classes: Array(repeating: c, count: inputs.size(0)), z: z)
                columns.append(try ImageTensors.images(from: out))
            }
        }
        return (0..<inputs.size(0)).map { r in columns.map { $0[r] } }
    }

    public func write(to url: URL) throws {
        let scale = model.config.resolution < 64 ? 2 : 1
        try SampleSheet.write(rows: render(), to: url, scale: scale)
    }
}

/// Loss curves of a run from its JSONL log (moving average, so the trend is visible through GAN noise).
public enum LossCurves {
    public static func plot(log: URL, to png: URL, keys: [String] = ["D", "G_adv", "G_rec"]) throws {
        let records = try LossLog.read(log)
        let window = max(1, records.count / 50)
        let series = keys.map { key -> Gnuplot.Series in
            let values = records.map { $0.losses[key] ?? .nan }
            var points: [(x: Double, y: Double)] = []
            for i in values.indices {
                let lo = max(0, i - window + 1)
                let slice = values[lo...i]
                points.append((Double(records[i].iteration), slice.reduce(0, +) / Double(slice.count)))
            }
            return Gnuplot.Series(title: key, points: points)
        }
        try Gnuplot.lineChart(series, title: "DeepI2I losses (moving average over \(window))", xLabel: "iteration",
                              yLabel: "loss", to: png)
    }
}
