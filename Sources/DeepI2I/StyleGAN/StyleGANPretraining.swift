import Datasets
import Foundation
import ImageIO
import Torch

/// The unconditional StyleGAN source trainer (`deepi2i pretrain-stylegan`): rosinality's `train.py` at one
/// fixed resolution (no progressive growing; alpha stays 1) on the shared `TrainingDriver`: per iteration
/// one D step (WGAN-GP or R1) and one G step, then `accumulate(g_running, G, 0.999)`. Its product,
/// `OUT/model/`, is a StyleGAN model directory (G = g_running, D, E = D, A fresh) that `train --from`
/// takes as a transfer source.

/// What `run.json` records beside a StyleGAN source run.
public struct StyleGANSourceRunRecord: Codable {
    public var config: StyleGANPretrainingConfig
    public var model: StyleGANConfig
    public var dataset: String
    public var trainImages: Int
    public var resumedFrom: String?
    public var libtorch: String
    public var threads: Int
}

public func pretrainStyleGAN(config: StyleGANPretrainingConfig, outDirectory: URL, resume: Bool = false,
                             device: Device = .cpu, stop: StopSignal? = nil,
                             hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
    try config.validate()
    let saved = resume ? try TrainingCheckpoint.resumable(outDirectory, family: StyleGANSourceTraining.self) : nil
    if let saved, saved.state.config.withoutIterations != config.withoutIterations {
        throw TrainingError.checkpoint("--resume: \(outDirectory.path) was trained with other options than these (only --iterations may change)")
    }
    try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
    let family = try StyleGANSourceTraining(config: config, device: device)
    return try TrainingDriver(family: family, run: RunLayout(outDirectory), stop: stop, hooks: hooks)
        .train(resumingFrom: saved?.url)
}

public final class StyleGANSourceTraining: TrainingFamily {
    public static let kind = "stylegan-source"
    public let config: StyleGANPretrainingConfig
    /// g_running, D, E (a copy of D when written) and a fresh A: the product's layout.
    public let model: StyleGANModel
    public let generator: StyledGenerator
    public let samplingRNG: RandomGenerator
    public let device: Device
    let optimizersG: StyleGANOptimizers
    var stream: DomainStream
    let sampleLatents: StyleGANLatents
    static let sampleGrid = 8

    public var step: Int { model.config.step }

    public init(config: StyleGANPretrainingConfig, device: Device = .cpu) throws {
        try config.validate()
        self.config = config
        self.device = device
        stream = try DomainStream(domain: config.data, role: "training", batchSize: config.batchSize, seed: config.seed)
        let step = try StyleGANConfig.step(forResolution: stream.dataset.resolution)
        try Torch.manualSeed(config.seed)
        model = try StyleGANModel(config: StyleGANConfig(step: step, channelDivisor: config.channelDivisor,
                                                         mappingLayers: config.mappingLayers),
                                  generator: RandomGenerator(seed: config.seed))
        generator = try StyleGANTrainingSteps.copy(model.generator)
        for (_, network) in model.networks { try network.to(device) }
        try generator.to(device)
        try model.generator.freeze()
        try model.encoder.freeze()
        try model.adaptor.freeze()
        optimizersG = try StyleGANOptimizers(generator: generator, discriminator: model.discriminator, options: config.optimization)
        samplingRNG = try RandomGenerator(seed: config.seed &+ 1)
        var plain = config.optimization
        plain.mixing = false
        sampleLatents = try StyleGANLatents.draw(batch: Self.sampleGrid * Self.sampleGrid, codeDim: model.config.codeDim,
                                                 step: step, options: plain,
                                                 rng: RandomGenerator(seed: config.seed &+ 0x5EED), device: device)
    }

    public var schedule: TrainingSchedule {
        TrainingSchedule(iterations: config.iterations, checkpointEvery: config.checkpointEvery,
                         keepCheckpoints: config.keepCheckpoints, sampleEvery: config.sampleEvery,
                         imagesPerIteration: config.batchSize)
    }
    public var optimizers: [(name: String, optimizer: Adam)] { optimizersG.named }
    public var position: BatchStream.Position { stream.position }
    public func seek(to position: BatchStream.Position) throws {
        stream.seek(taken: position.epoch * stream.batchesPerEpoch + position.batch)
    }
    public func phase(after completed: Int) -> Int { 0 }
    public var headlineLosses: [String] { ["D", "G"] }
    public var learningRates: [String: Double] {
        Dictionary(uniqueKeysWithValues: optimizers.map { ($0.name, $0.optimizer.config.learningRate) })
    }

    public func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double] {
        let G = generator, D = model.discriminator, o = config.optimization
        var real = try stream.next(device: device)
        if o.horizontalFlip { real = try StyleGANTrainingSteps.randomFlip(real, rng: samplingRNG) }
        if poison { real = try real * Double.nan }
        let b = config.batchSize, codeDim = model.config.codeDim
        let first = try StyleGANLatents.draw(batch: b, codeDim: codeDim, step: step, options: o, rng: samplingRNG, device: device)
        let second = try StyleGANLatents.draw(batch: b, codeDim: codeDim, step: step, options: o, rng: samplingRNG, device: device)
        let fake = try withNoGrad { try G(z: first.z, noise: first.noise, step: step, mixing: first.mixing) }
        var losses = try StyleGANTrainingSteps.discriminatorStep(o.loss, D, optimizer: optimizersG.discriminator, real: real,
                                                                fake: fake, step: step, rng: samplingRNG)
        try D.freeze(true)
        let logit = try D(G(z: second.z, noise: second.noise, step: step, mixing: second.mixing), step: step).logit
        let loss = try StyleGANLosses.generatorAdversarial(o.loss, fakeLogit: logit)
        let g = try loss.item()
        guard g.isFinite else { throw NonFiniteLoss(losses: "G \(g)") }
        try optimizersG.synthesis.zeroGrad()
        try optimizersG.mapping.zeroGrad()
        try loss.backward()
        try optimizersG.synthesis.step()
        try optimizersG.mapping.step()
        try StyleGANTrainingSteps.accumulate(model.generator, from: G, decay: config.gRunningDecay)
        losses["G"] = g
        return losses
    }

    private func provenance(_ iteration: Int) -> [String: String] {
        ["source": "deepi2i pretrain-stylegan", "sourceIterations": String(iteration), "data": stream.dataset.url.path]
    }

    /// A checkpoint's `model/` is a complete transfer source (E is D's copy, as transfer makes it).
    public func writeWeights(into checkpoint: URL, iteration: Int) throws {
        try StyleGANRunFiles.copy(model.discriminator, into: model.encoder)
        try StyleGANRunFiles.write(model: model, generator: generator, into: checkpoint, provenance: provenance(iteration))
    }

    public func loadWeights(from checkpoint: URL) throws {
        try StyleGANRunFiles.load(model: model, generator: generator, from: checkpoint)
    }

    /// An 8 x 8 grid of g_running samples with fixed z and noise.
    public func writeSamples(to url: URL) throws {
        let images = try withNoGrad {
            try ImageTensors.images(from: model.generator(z: sampleLatents.z, noise: sampleLatents.noise, step: step)
                .clamp(min: -1, max: 1))
        }
        let n = Self.sampleGrid
        try SampleSheet.write(rows: (0..<n).map { Array(images[($0 * n)..<($0 * n + n)]) }, to: url,
                              scale: model.config.resolution < 64 ? 2 : 1)
    }

    public func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws {
        try StyleGANRunFiles.copy(model.discriminator, into: model.encoder)
        try StyleGANModelDirectory.save(model, to: run.root.appendingPathComponent("model"), provenance: provenance(iteration))
    }

    public func runRecord(resumedFrom: String?) -> any Encodable {
        StyleGANSourceRunRecord(config: config, model: model.config, dataset: stream.dataset.url.path,
                                trainImages: stream.members.count, resumedFrom: resumedFrom, libtorch: Torch.version,
                                threads: Torch.threadCount)
    }
}
