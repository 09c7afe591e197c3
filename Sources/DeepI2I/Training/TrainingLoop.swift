import Datasets
import Foundation
import ImageIO
import Torch

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

/// DeepI2I training (paper section 3, official code's schedule) on the shared `TrainingDriver`: set up
/// (or restore) everything, then per iteration one D step and one G/A step.
public func trainDeepI2I(config: TrainingConfig, runDirectory: URL, resume: Bool = false, device: Device = .cpu,
                         stop: StopSignal? = nil, hooks: TrainingHooks = TrainingHooks(),
                         parallel: DataParallel? = nil) throws -> TrainingOutcome {
    try config.validate()
    try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    let checkpoint = resume ? try TrainingCheckpoint.resumable(runDirectory, family: DeepI2ITraining.self).url : nil
    let family = try DeepI2ITraining(config: config, resumingFrom: checkpoint, device: device, log: hooks.log)
    return try TrainingDriver(family: family, run: RunLayout(runDirectory), stop: stop, hooks: hooks, parallel: parallel)
        .train(resumingFrom: checkpoint)
}

/// The DeepI2I family of the training driver: the four networks and their optimizers (`DeepI2IStep`),
/// phase 1 (A and D train) then phase 2 (G too), the fixed sample sheet, and `model/` at the end.
public final class DeepI2ITraining: TrainingFamily {
    public static let kind = "deepi2i"
    public let config: TrainingConfig
    public let model: DeepI2IModel
    public let trainer: DeepI2IStep
    public let samplingRNG: RandomGenerator
    let dataset: PackedDataset
    let loader: DataLoader
    let roles: (trainsEncoder: Bool, phase1Iterations: Int)
    var stream: BatchStream
    /// D's reals (official: an independent loader); nil when D sees the inputs (`--d-reals inputs`).
    var reals: RealSampler?
    let samples: SampleGrid
    /// DeepI2I iterations the starting weights had before this run (a `--from-model` model's record).
    let trainedBefore: Int
    /// Data parallel: this rank's part of every batch and draw.
    var shard = DataShard.whole

    /// Builds the networks as the paper says, or, when resuming, in the shape saved in `checkpoint`
    /// (the driver then restores their weights). A new run starts G's and D's Adam from imported
    /// optimizer states where its starting weights have them (`log` says which).
    public init(config: TrainingConfig, resumingFrom checkpoint: URL? = nil, device: Device = .cpu,
                log: (String) -> Void = TrainingHooks().log) throws {
        self.config = config
        do { dataset = try PackedDataset(at: URL(fileURLWithPath: config.data)) } catch {
            throw TrainingError.data("cannot open \(config.data): \(describe(error))")
        }
        roles = TrainingSetup.roles(config)
        if checkpoint == nil && config.phase1Iterations > 0 && roles.phase1Iterations == 0
            && TrainingSetup.phaseOneHasNothingToTrain(config, trainsEncoder: roles.trainsEncoder) {
            log("no adaptor and a frozen encoder: phase 1 (G frozen) would train nothing on G's side, so G trains from the first iteration")
        }
        if let checkpoint {
            model = try DeepI2IModel(config: ModelDirectory.readDocument(checkpoint.appendingPathComponent("model")).model)
        } else {
            try Torch.manualSeed(config.seed)
            model = try TrainingSetup.make(config, dataset: dataset).model
        }
        // Built on the CPU (the same initial weights on every device), then moved before the optimizers.
        try model.to(device)
        model.train()
        trainer = try DeepI2IStep(model: model, config: config, trainsEncoder: roles.trainsEncoder)
        trainer.precision = try MixedPrecision(config.precision ?? .fp32, device: device)
        if checkpoint == nil { try ImportedOptimizers.apply(config, to: trainer, log: log) }
        trainedBefore = TrainingSetup.trainedIterations(before: config) ?? 0
        // z and target classes come from this generator; its state is part of every checkpoint.
        samplingRNG = try RandomGenerator(seed: config.seed)
        loader = try DataLoader(dataset: dataset, split: .train, batchSize: config.microBatchSize, shuffles: true,
                                dropsLast: true, seed: config.seed, prefetch: 0, perClassLimit: config.trainImagesPerClass)
        stream = try BatchStream(loader: loader)
        reals = try RealSampler(config: config, inputs: loader, position: BatchStream.Position())
        samples = try SampleGrid(dataset: dataset, model: model, rows: config.sampleRows, seed: config.seed)
    }

    public var schedule: TrainingSchedule {
        TrainingSchedule(iterations: config.iterations, checkpointEvery: config.checkpointEvery,
                         keepCheckpoints: config.keepCheckpoints, sampleEvery: config.sampleEvery,
                         imagesPerIteration: config.batchSize)
    }
    public var optimizers: [(name: String, optimizer: Adam)] { trainer.optimizers }
    public var lossScaler: LossScaler? { trainer.precision.scaler }
    public var position: BatchStream.Position { stream.position }
    public func seek(to position: BatchStream.Position) throws {
        stream = try BatchStream(loader: loader, position: position, shard: shard)
        // The reals take one micro-batch per input micro-batch, so they stand at the same position.
        reals = try RealSampler(config: config, inputs: loader, position: position, shard: shard)
    }

    public func distribute(_ parallel: DataParallel) throws -> DataParallelParts {
        shard = parallel.shard
        if config.officialReconPairing == true, shard.count > 1, loader.batchSize / shard.count < 2 {
            throw TrainingError.invalidConfig("--official-recon-pairing compares the first two translations of each micro-batch, "
                + "which must both be on rank 0: use at least \(2 * shard.count) images per micro-batch with \(shard.count) ranks "
                + "(now \(loader.batchSize))")
        }
        trainer.shard = shard
        try seek(to: stream.position)
        model.generator.crossReplicaGroup = parallel.batchNormGroup
        return DataParallelParts(modules: model.networks.map(\.1), dataDigest: dataset.digest)
    }
    public func phase(after completed: Int) -> Int { completed < roles.phase1Iterations ? 1 : 2 }
    public var headlineLosses: [String] { ["D", "G_adv", "G_rec"] }
    public var learningRates: [String: Double] {
        let all = ["G": config.generatorLR, "D": config.discriminatorLR, "A": config.adaptorLR, "E": config.encoderLR]
        return all.filter { name, _ in optimizers.contains { $0.name == name } }
    }

    public func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double] {
        var batches: [MicroBatch] = []
        for _ in 0..<config.accumulate {
            let batch = stream.next()
            var images = try ImageTensors.tensor(from: batch, device: model.device).images
            if poison { images = try images * Double.nan }
            batches.append(try MicroBatch.sample(images: images, classes: batch.labels, reals: reals?.next(device: model.device),
                                                 classCount: dataset.classCount, dimZ: model.config.dimZ, rng: samplingRNG,
                                                 shard: shard))
        }
        var losses = try trainer.discriminatorStep(batches)
        losses.merge(try trainer.generatorStep(batches, phase: phase)) { a, _ in a }
        trainer.precision.endIteration()
        losses.merge(trainer.precision.logged) { a, _ in a }
        return losses
    }

    public func writeWeights(into checkpoint: URL, iteration: Int) throws {
        try ModelDirectory.save(model, to: checkpoint.appendingPathComponent("model"),
                                provenance: ["source": "deepi2i train", "iteration": String(iteration)],
                                trainedIterations: trainedBefore + iteration)
    }

    public func loadWeights(from checkpoint: URL) throws {
        let modelDir = checkpoint.appendingPathComponent("model")
        for (name, network) in model.networks {
            let url = modelDir.appendingPathComponent("\(name).safetensors")
            do { try network.load(from: url, ignoring: ModelDirectory.officialUnusedKey(of: name)) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit the run's model: \(describe(error))")
            }
        }
    }

    public func writeSamples(to url: URL) throws { try samples.write(to: url) }

    public func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws {
        try ModelDirectory.save(model, to: run.root.appendingPathComponent("model"),
                                provenance: ["source": "deepi2i train", "iterations": String(iteration), "run": run.root.path],
                                trainedIterations: trainedBefore + iteration)
    }

    public func runRecord(resumedFrom: String?) -> any Encodable {
        RunRecord(config: config, model: model.config, dataset: dataset.url.path, trainImages: loader.imageCount,
                  trainsEncoder: roles.trainsEncoder, phase1Iterations: roles.phase1Iterations, resumedFrom: resumedFrom,
                  libtorch: Torch.version, threads: Torch.threadCount)
    }
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
    public static func plot(log: URL, to png: URL, keys: [String] = ["D", "G_adv", "G_rec"],
                            title: String = "DeepI2I losses") throws {
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
        try Gnuplot.lineChart(series, title: "\(title) (moving average over \(window))", xLabel: "iteration",
                              yLabel: "loss", to: png)
    }
}
