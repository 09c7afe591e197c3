import Datasets
import Foundation
import ImageIO
import Torch

/// What `run.json` records beside a GAN pretraining run.
public struct GANRunRecord: Codable {
    public var config: GANTrainingConfig
    public var model: ModelConfig
    public var dataset: String
    public var trainImages: Int
    public var resumedFrom: String?
    public var libtorch: String
    public var threads: Int
}

/// Class-conditional BigGAN training (G + projection D, hinge loss, Adam with BigGAN's defaults,
/// optional EMA of G) on the shared `TrainingDriver`, producing a source GAN for transfer in
/// BigGAN-PyTorch's layout (`GANDirectory`) at the top of the run folder. Checkpoints are complete GAN
/// directories with the resumable state beside them, so `resume` continues exactly where it stopped, as
/// BigGAN-PyTorch's `--resume` does; every option but the iteration budget must be the same.
public func pretrainGAN(config: GANTrainingConfig, outDirectory: URL, resume: Bool = false, device: Device = .cpu,
                        stop: StopSignal? = nil, hooks: TrainingHooks = TrainingHooks(),
                        parallel: DataParallel? = nil) throws -> TrainingOutcome {
    let saved = resume ? try TrainingCheckpoint.resumable(outDirectory, family: BigGANTraining.self) : nil
    let checkpoint = saved?.url
    if let saved {
        guard saved.state.config.withoutIterations == config.withoutIterations else {
            throw TrainingError.checkpoint("--resume: \(outDirectory.path) was trained with other options than these (only --iterations may change)")
        }
    }
    let family = try BigGANTraining(config: config, device: device)
    try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
    return try TrainingDriver(family: family, run: RunLayout(outDirectory), stop: stop, hooks: hooks, parallel: parallel)
        .train(resumingFrom: checkpoint)
}

/// The BigGAN family of the training driver: `discriminatorSteps` D steps then one G step per iteration,
/// an optional EMA of G, a class-by-z sample sheet, and the GAN files at the end.
public final class BigGANTraining: TrainingFamily {
    public static let kind = "biggan"
    public let config: GANTrainingConfig
    public let model: ModelConfig
    public let generator: Generator
    public let discriminator: Discriminator
    public let ema: Generator?
    public let samplingRNG: RandomGenerator
    public let device: Device
    let generatorOptimizer: Adam
    let discriminatorOptimizer: Adam
    let dataset: PackedDataset
    let loader: DataLoader
    var stream: BatchStream
    let fixedZ: Tensor
    /// Data parallel: this rank's part of every batch and draw.
    var shard = DataShard.whole
    /// `--precision`: autocast forwards, fp16's loss scaler.
    public let precision: MixedPrecision

    public init(config: GANTrainingConfig, device: Device = .cpu) throws {
        self.config = config
        self.device = device
        do { dataset = try PackedDataset(at: URL(fileURLWithPath: config.data)) } catch {
            throw TrainingError.data("cannot open \(config.data): \(describe(error))")
        }
        guard dataset.resolution == config.resolution else {
            throw TrainingError.invalidConfig("the dataset is \(dataset.resolution)x\(dataset.resolution), --resolution is \(config.resolution)")
        }
        var model = try ModelConfig(resolution: config.resolution, channels: config.channels, classCount: dataset.classCount)
        model.classNames = dataset.manifest.classNames
        model.classRows = Array(0..<dataset.classCount)
        self.model = model
        try Torch.manualSeed(config.seed)
        let initRNG = try RandomGenerator(seed: config.seed)
        let G = try Generator(config: model, generator: initRNG)
        let D = try Discriminator(config: model, generator: initRNG)
        let ema: Generator? = config.ema ? try Generator(config: model) : nil
        if let ema { try ema.loadStateDict(Dictionary(uniqueKeysWithValues: G.stateDict().map { ($0.name, $0.tensor) })) }
        // Built on the CPU (the same initial weights on every device), then moved before the optimizers.
        try G.to(device); try D.to(device); try ema?.to(device)
        G.train(); D.train(); ema?.train()
        generator = G
        discriminator = D
        self.ema = ema
        generatorOptimizer = try TrainingOptimizers.adam(G, learningRate: config.generatorLR, beta1: config.beta1,
                                                         beta2: config.beta2, eps: config.adamEps)
        discriminatorOptimizer = try TrainingOptimizers.adam(D, learningRate: config.discriminatorLR, beta1: config.beta1,
                                                             beta2: config.beta2, eps: config.adamEps)
        samplingRNG = try RandomGenerator(seed: config.seed &+ 1)
        precision = try MixedPrecision(config.precision ?? .fp32, device: device)
        loader = try DataLoader(dataset: dataset, split: .train, batchSize: config.batchSize, seed: config.seed, prefetch: 0)
        stream = try BatchStream(loader: loader)
        fixedZ = try Tensor.randn([8 * dataset.classCount, model.dimZ], generator: RandomGenerator(seed: config.seed &+ 2),
                                 device: device)
    }

    public var schedule: TrainingSchedule {
        TrainingSchedule(iterations: config.iterations, checkpointEvery: config.checkpointEvery,
                         keepCheckpoints: config.keepCheckpoints, sampleEvery: config.sampleEvery,
                         imagesPerIteration: config.batchSize * config.discriminatorSteps)
    }
    public var optimizers: [(name: String, optimizer: Adam)] { [("G", generatorOptimizer), ("D", discriminatorOptimizer)] }
    public var lossScaler: LossScaler? { precision.scaler }
    public var position: BatchStream.Position { stream.position }
    public func seek(to position: BatchStream.Position) throws {
        stream = try BatchStream(loader: loader, position: position, shard: shard)
    }

    public func distribute(_ parallel: DataParallel) throws -> DataParallelParts {
        shard = parallel.shard
        try seek(to: stream.position)
        generator.crossReplicaGroup = parallel.batchNormGroup
        return DataParallelParts(modules: [generator, discriminator] + (ema.map { [$0] } ?? []), dataDigest: dataset.digest)
    }
    public func phase(after completed: Int) -> Int { 0 }
    public var headlineLosses: [String] { ["D", "G"] }
    public var learningRates: [String: Double] { ["G": config.generatorLR, "D": config.discriminatorLR] }

    private func rows(_ n: Int) throws -> Tensor {
        try Tensor.randint(0, dataset.classCount, [n], generator: samplingRNG, device: device)
    }

    public func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double] {
        let G = generator, D = discriminator
        // D steps: hinge on real (x, y) vs G(z, y_fake), G's output detached.
        try D.freeze(false)
        var dReal = 0.0, dFake = 0.0
        for _ in 0..<config.discriminatorSteps {
            let batch = stream.next()
            let real = try ImageTensors.tensor(from: batch, device: device)
            let x = poison ? try real.images * Double.nan : real.images
            let n = batch.count * shard.count
            let yFake = try shard.rows(of: rows(n))
            let z = try shard.rows(of: Tensor.randn([n, model.dimZ], generator: samplingRNG, device: device))
            try discriminatorOptimizer.zeroGrad()
            let (lr, lf) = try precision.autocast { () throws -> (Tensor, Tensor) in
                let fake = try withNoGrad { try G(z: z, embedding: G.shared(yFake)) }
                return try Losses.discriminatorHinge(real: D(x, rows: real.labels).logit, fake: D(fake, rows: yFake).logit)
            }
            try precision.backward(lr + lf)
            dReal = try lr.item(); dFake = try lf.item()
            guard dReal.isFinite, dFake.isFinite else { throw NonFiniteLoss(losses: "D_real \(dReal), D_fake \(dFake)") }
            try precision.step(discriminatorOptimizer)
        }
        // G step: -mean D(G(z, y), y) with D's parameters frozen.
        try D.freeze(true)
        try generatorOptimizer.zeroGrad()
        let yG = try shard.rows(of: rows(config.batchSize))
        let zG = try shard.rows(of: Tensor.randn([config.batchSize, model.dimZ], generator: samplingRNG, device: device))
        let gLoss = try precision.autocast { try Losses.generatorHinge(fake: D(G(z: zG, embedding: G.shared(yG)), rows: yG).logit) }
        try precision.backward(gLoss)
        let g = try gLoss.item()
        guard g.isFinite else { throw NonFiniteLoss(losses: "G \(g)") }
        try precision.step(generatorOptimizer)
        if let ema {
            // BigGAN's EMA over the whole state dict (buffers included); a plain copy before ema_start.
            let decay = iteration + 1 < config.emaStart ? 0 : config.emaDecay
            try withNoGrad {
                for ((_, target), (_, source)) in zip(ema.stateDict(), G.stateDict()) {
                    try target *= decay
                    try target += source * (1 - decay)
                }
            }
        }
        precision.endIteration()
        return ["D_real": dReal, "D_fake": dFake, "D": dReal + dFake, "G": g].merging(precision.logged) { a, _ in a }
    }

    /// A checkpoint is a complete GAN directory (usable with `train --from`).
    public func writeWeights(into checkpoint: URL, iteration: Int) throws {
        try GANDirectory.writeFiles(generator: generator, ema: ema, discriminator: discriminator, config: model, into: checkpoint,
                                    provenance: ["source": "deepi2i pretrain-gan", "iterations": String(iteration),
                                                 "data": dataset.url.path])
    }

    public func loadWeights(from checkpoint: URL) throws {
        func load(_ network: Module, _ file: String) throws {
            let url = checkpoint.appendingPathComponent(file)
            do { try network.load(from: url) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit the GAN being trained: \(describe(error))")
            }
        }
        try load(generator, "G.safetensors")
        try load(discriminator, "D.safetensors")
        if let ema { try load(ema, "G_ema.safetensors") }
    }

    /// Rows: classes; columns: fixed z. Drawn by the EMA generator when there is one.
    public func writeSamples(to url: URL) throws {
        let net = ema ?? generator
        net.eval()
        defer { net.train() }
        let labels = (0..<dataset.classCount).flatMap { Array(repeating: $0, count: 8) }
        let images = try withNoGrad { try ImageTensors.images(from: net(z: fixedZ, embedding: net.classEmbedding(labels))) }
        let grid = (0..<dataset.classCount).map { Array(images[($0 * 8)..<($0 * 8 + 8)]) }
        try SampleSheet.write(rows: grid, to: url, scale: config.resolution < 64 ? 2 : 1)
    }

    /// The final checkpoint's GAN files, copied to the top of the run folder (each file replaced atomically).
    public func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws {
        try GANDirectory.publish(from: checkpoint, to: run.root)
    }

    public func runRecord(resumedFrom: String?) -> any Encodable {
        GANRunRecord(config: config, model: model, dataset: dataset.url.path, trainImages: loader.imageCount,
                     resumedFrom: resumedFrom, libtorch: Torch.version, threads: Torch.threadCount)
    }
}
