import Datasets
import Foundation
import ImageIO
import Torch

/// DeepI2I-StyleGAN two-domain translation training as the official `DeepI2I_StyleGAN/train.py` does it,
/// as a family of the shared `TrainingDriver`: per iteration one D step (WGAN-GP or R1 on target reals vs
/// translations of input-domain images) and one G/A step (adversarial + reconstruction of D's features of
/// the input), G frozen for the first `generatorFreezeIterations`, E frozen, then
/// `accumulate(g_running, G, decay)`. g_running draws the samples and is the product's G.

/// What `run.json` records beside a DeepI2I-StyleGAN run.
public struct StyleGANRunRecord: Codable {
    public var config: StyleGANTrainingConfig
    public var model: StyleGANConfig
    public var dataset: String
    public var inputDataset: String
    public var targetImages: Int
    public var inputImages: Int
    public var trainsEncoder: Bool
    public var generatorFreezeIterations: Int
    public var resumedFrom: String?
    public var libtorch: String
    public var threads: Int
}

/// Trains DeepI2I-StyleGAN in `runDirectory`, from the start or (`resume`) exactly from its newest
/// checkpoint; every option but the iteration budget must then be the saved one.
public func trainStyleGAN(config: StyleGANTrainingConfig, runDirectory: URL, resume: Bool = false, device: Device = .cpu,
                          stop: StopSignal? = nil, hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
    try config.validate()
    let saved = resume ? try TrainingCheckpoint.resumable(runDirectory, family: StyleGANTraining.self) : nil
    if let saved, saved.state.config.withoutIterations != config.withoutIterations {
        throw TrainingError.checkpoint("--resume: \(runDirectory.path) was trained with other options than these (only --iterations may change)")
    }
    try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    let family = try StyleGANTraining(config: config, resumingFrom: saved?.url, device: device)
    return try TrainingDriver(family: family, run: RunLayout(runDirectory), stop: stop, hooks: hooks)
        .train(resumingFrom: saved?.url)
}

public final class StyleGANTraining: TrainingFamily {
    public static let kind = "stylegan"
    public let config: StyleGANTrainingConfig
    /// g_running, D, E and A: what checkpoints and the product hold as a model directory.
    public let model: StyleGANModel
    /// The G being optimised (its running copy is `model.generator`).
    public let generator: StyledGenerator
    public let samplingRNG: RandomGenerator
    public let device: Device
    public let trainsEncoder: Bool
    /// G is frozen while fewer iterations than this are done.
    public let generatorFreezeIterations: Int
    let optimizersG: StyleGANOptimizers
    let adaptorOptimizer: Adam
    let encoderOptimizer: Adam?
    var target: DomainStream
    var input: DomainStream
    let trainedBefore: Int
    let sampleInputs: Tensor
    let sampleLatents: [StyleGANLatents]

    public var step: Int { model.config.step }

    public init(config: StyleGANTrainingConfig, resumingFrom checkpoint: URL? = nil, device: Device = .cpu) throws {
        try config.validate()
        self.config = config
        self.device = device
        target = try DomainStream(domain: config.target, role: "target", batchSize: config.batchSize, seed: config.seed)
        input = try DomainStream(domain: config.input, role: "input", batchSize: config.batchSize,
                                 seed: config.seed ^ 0x494E_5055_545F_5354)
        let resolution = target.dataset.resolution
        guard input.dataset.resolution == resolution else {
            throw TrainingError.invalidConfig("the target data is \(resolution) px, the input data \(input.dataset.resolution) px")
        }
        let step = try StyleGANConfig.step(forResolution: resolution)
        try Torch.manualSeed(config.seed)
        var before = 0
        let built: StyleGANModel
        if let checkpoint {
            built = try StyleGANRunFiles.readModel(checkpoint.appendingPathComponent("model"), role: "checkpoint")
        } else {
            switch config.start {
            case .transfer(let source):
                let src = try StyleGANRunFiles.readModel(StyleGANRunFiles.modelDirectory(source), role: "transfer source")
                var c = src.config
                c.step = step
                built = try StyleGANModel(config: c, generator: RandomGenerator(seed: config.seed))
                try StyleGANRunFiles.copy(src.generator, into: built.generator)
                try StyleGANRunFiles.copy(src.discriminator, into: built.discriminator)
                try StyleGANRunFiles.copy(src.discriminator, into: built.encoder)
            case .model(let directory):
                let dir = try StyleGANRunFiles.modelDirectory(directory)
                built = try StyleGANRunFiles.readModel(dir, role: "model")
                before = try StyleGANModelDirectory.document(dir).provenance["iterations"].flatMap(Int.init) ?? 0
            case let .scratch(divisor, layers):
                built = try StyleGANModel(config: StyleGANConfig(step: step, channelDivisor: divisor, mappingLayers: layers),
                                          generator: RandomGenerator(seed: config.seed))
            }
        }
        guard built.config.step == step else {
            throw TrainingError.invalidConfig("the model translates at \(built.config.resolution) px, the data is \(resolution) px")
        }
        model = built
        switch config.start {
        case .transfer: generatorFreezeIterations = config.generatorFreezeIterations; trainsEncoder = false
        case .model: generatorFreezeIterations = max(0, config.generatorFreezeIterations - before); trainsEncoder = false
        case .scratch: generatorFreezeIterations = 0; trainsEncoder = true
        }
        trainedBefore = before
        // The trained G starts as the model's G; g_running is its copy (train.py: accumulate(..., 0)).
        generator = try StyleGANTrainingSteps.copy(model.generator)
        for (_, network) in model.networks { try network.to(device) }
        try generator.to(device)
        try model.generator.freeze()
        try model.encoder.freeze(!trainsEncoder)
        optimizersG = try StyleGANOptimizers(generator: generator, discriminator: model.discriminator, options: config.optimization)
        let o = config.optimization
        let adamConfig = AdamConfig(learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, eps: o.adamEps)
        adaptorOptimizer = try Adam(model.adaptor.parameters(), config: adamConfig)
        encoderOptimizer = trainsEncoder ? try Adam(model.encoder.parameters(), config: adamConfig) : nil
        samplingRNG = try RandomGenerator(seed: config.seed &+ 1)
        // Fixed sample inputs (the input domain's test images, else its training images) and latents.
        let test = input.indices(.test)
        let pool = test.isEmpty ? input.members : test
        let picks = (0..<config.sampleRows).map { pool[$0 % pool.count] }
        let loader = try DataLoader(dataset: input.dataset, split: .all, batchSize: 1, shuffles: false, prefetch: 0)
        sampleInputs = try ImageTensors.tensor(from: loader.batch(picks), device: device).images
        let sampleRNG = try RandomGenerator(seed: config.seed &+ 0x5EED)
        var plain = config.optimization
        plain.mixing = false
        let codeDim = built.config.codeDim
        sampleLatents = try (0..<StyleGANRunFiles.sampleColumns).map { _ in
            try StyleGANLatents.draw(batch: config.sampleRows, codeDim: codeDim, step: step, options: plain,
                                     rng: sampleRNG, device: device)
        }
    }

    public var schedule: TrainingSchedule {
        TrainingSchedule(iterations: config.iterations, checkpointEvery: config.checkpointEvery,
                         keepCheckpoints: config.keepCheckpoints, sampleEvery: config.sampleEvery,
                         imagesPerIteration: config.batchSize)
    }
    public var optimizers: [(name: String, optimizer: Adam)] {
        optimizersG.named + [("A", adaptorOptimizer)] + (encoderOptimizer.map { [("E", $0)] } ?? [])
    }
    /// Both domains take one batch per iteration: the target stream's position says where both stand.
    public var position: BatchStream.Position { target.position }
    public func seek(to position: BatchStream.Position) throws {
        let taken = position.epoch * target.batchesPerEpoch + position.batch
        target.seek(taken: taken)
        input.seek(taken: taken)
    }
    public func phase(after completed: Int) -> Int { completed < generatorFreezeIterations ? 1 : 2 }
    public var headlineLosses: [String] { ["D", "G_adv", "G_rec"] }
    public var learningRates: [String: Double] {
        Dictionary(uniqueKeysWithValues: optimizers.map { ($0.name, $0.optimizer.config.learningRate) })
    }

    public func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double] {
        let G = generator, D = model.discriminator, E = model.encoder, A = model.adaptor
        let o = config.optimization
        var real = try target.next(device: device), xY = try input.next(device: device)
        if o.horizontalFlip {
            real = try StyleGANTrainingSteps.randomFlip(real, rng: samplingRNG)
            xY = try StyleGANTrainingSteps.randomFlip(xY, rng: samplingRNG)
        }
        if poison { xY = try xY * Double.nan }
        let b = config.batchSize, codeDim = model.config.codeDim
        let first = try StyleGANLatents.draw(batch: b, codeDim: codeDim, step: step, options: o, rng: samplingRNG, device: device)
        let second = try StyleGANLatents.draw(batch: b, codeDim: codeDim, step: step, options: o, rng: samplingRNG, device: device)

        // D step: target reals against translations G(z1) + A(E(x_y)).
        let fake = try withNoGrad {
            try G(z: first.z, noise: first.noise, step: step, mixing: first.mixing, fused: A(E(xY, step: step).features))
        }
        var losses = try StyleGANTrainingSteps.discriminatorStep(o.loss, D, optimizer: optimizersG.discriminator, real: real,
                                                                fake: fake, step: step, rng: samplingRNG)

        // G/A step: D frozen, G frozen in phase 1, E frozen unless scratch.
        try D.freeze(true)
        try G.freeze(phase == 1)
        let features = trainsEncoder ? try E(xY, step: step).features : try withNoGrad { try E(xY, step: step).features }
        let translation = try G(z: second.z, noise: second.noise, step: step, mixing: second.mixing, fused: A(features))
        let (logit, translationFeatures) = try D(translation, step: step)
        let inputFeatures = try withNoGrad { try D(xY, step: step).features }
        let adversarial = try StyleGANLosses.generatorAdversarial(o.loss, fakeLogit: logit)
        // Widths D does not reach at this resolution (its input width and wider) have no feature to compare.
        let weights = model.config.reconstructionWeights.filter { inputFeatures[$0.key] != nil }
        let reconstruction = try StyleGANLosses.reconstruction(input: inputFeatures, translation: translationFeatures,
                                                               weights: weights)
        let gLosses = ["G_adv": try adversarial.item(), "G_rec": try reconstruction.item()]
        guard gLosses.values.allSatisfy(\.isFinite) else {
            throw NonFiniteLoss(losses: StyleGANTrainingSteps.describe(losses.merging(gLosses) { a, _ in a }))
        }
        for (_, optimizer) in optimizers where optimizer !== optimizersG.discriminator { try optimizer.zeroGrad() }
        try (adversarial + reconstruction).backward()
        try adaptorOptimizer.step()
        try encoderOptimizer?.step()
        if phase != 1 {
            try optimizersG.synthesis.step()
            try optimizersG.mapping.step()
        }
        try StyleGANTrainingSteps.accumulate(model.generator, from: G, decay: config.gRunningDecay)
        losses.merge(gLosses) { a, _ in a }
        losses["G"] = gLosses["G_adv"]! + gLosses["G_rec"]!
        return losses
    }

    public func writeWeights(into checkpoint: URL, iteration: Int) throws {
        try StyleGANRunFiles.write(model: model, generator: generator, into: checkpoint, provenance: [
            "source": "deepi2i train", "iteration": String(iteration), "iterations": String(trainedBefore + iteration),
        ], target: config.target.className, input: config.input.className)
    }

    public func loadWeights(from checkpoint: URL) throws {
        try StyleGANRunFiles.load(model: model, generator: generator, from: checkpoint)
    }

    /// Rows: fixed inputs; columns: the input, then g_running's translations with fixed z and noise.
    public func writeSamples(to url: URL) throws {
        var columns: [[RGBImage]] = [try ImageTensors.images(from: sampleInputs)]
        try withNoGrad {
            let adapted = try model.adaptor(model.encoder(sampleInputs, step: step).features)
            for latents in sampleLatents {
                let out = try model.generator(z: latents.z, noise: latents.noise, step: step, fused: adapted)
                columns.append(try ImageTensors.images(from: out.clamp(min: -1, max: 1)))
            }
        }
        let rows = (0..<sampleInputs.size(0)).map { r in columns.map { $0[r] } }
        try SampleSheet.write(rows: rows, to: url, scale: model.config.resolution < 64 ? 2 : 1)
    }

    public func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws {
        try StyleGANModelDirectory.save(model, to: run.root.appendingPathComponent("model"), provenance: [
            "source": "deepi2i train", "iterations": String(trainedBefore + iteration), "run": run.root.path,
        ], target: config.target.className, input: config.input.className)
    }

    public func runRecord(resumedFrom: String?) -> any Encodable {
        StyleGANRunRecord(config: config, model: model.config, dataset: target.dataset.url.path,
                          inputDataset: input.dataset.url.path, targetImages: target.members.count,
                          inputImages: input.members.count, trainsEncoder: trainsEncoder,
                          generatorFreezeIterations: generatorFreezeIterations, resumedFrom: resumedFrom,
                          libtorch: Torch.version, threads: Torch.threadCount)
    }
}

/// The files of a StyleGAN run: a checkpoint holds `model/` (a StyleGAN model directory whose G is
/// g_running, usable as it is) and `G_train.safetensors` (the G being optimised).
enum StyleGANRunFiles {
    static let trainedGenerator = "G_train.safetensors"
    static let sampleColumns = 4

    static func write(model: StyleGANModel, generator: StyledGenerator, into checkpoint: URL,
                      provenance: [String: String], target: String? = nil, input: String? = nil) throws {
        try StyleGANModelDirectory.save(model, to: checkpoint.appendingPathComponent("model"), provenance: provenance,
                                        target: target, input: input)
        try generator.save(to: checkpoint.appendingPathComponent(trainedGenerator))
    }

    static func load(model: StyleGANModel, generator: StyledGenerator, from checkpoint: URL) throws {
        let dir = checkpoint.appendingPathComponent("model")
        for (name, network) in model.networks + [("G_train", generator)] {
            let url = name == "G_train" ? checkpoint.appendingPathComponent(trainedGenerator)
                : dir.appendingPathComponent("\(name).safetensors")
            do { try network.load(from: url) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit the run's model: \(describe(error))")
            }
        }
    }

    /// A StyleGAN model directory given as itself or as the run folder holding it in `model/`.
    static func modelDirectory(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        if !fm.fileExists(atPath: ModelDirectory.configURL(url).path),
           fm.fileExists(atPath: ModelDirectory.configURL(url.appendingPathComponent("model")).path) {
            return url.appendingPathComponent("model")
        }
        return url
    }

    /// A StyleGAN model directory's networks, with an error naming the family found when it is not one.
    static func readModel(_ dir: URL, role: String) throws -> StyleGANModel {
        let config = ModelDirectory.configURL(dir)
        guard let data = FileManager.default.contents(atPath: config.path) else {
            let gan = FileManager.default.fileExists(atPath: dir.appendingPathComponent("gan.json").path)
            throw TrainingError.invalidConfig("the \(role) \(dir.path) is not a StyleGAN model directory: "
                + (gan ? "it is a BigGAN GAN directory (gan.json)" : "it has no config.json"))
        }
        let family = ModelFamily.of(configData: data)
        guard family == StyleGANModelDirectory.family else {
            throw TrainingError.invalidConfig("the \(role) \(dir.path) is a \(family ?? "unreadable") model, not a StyleGAN one")
        }
        return try StyleGANModelDirectory.load(dir).model
    }

    static func copy(_ source: Module, into target: Module) throws {
        try target.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) }))
    }

}

extension StyleGANModelDirectory {
    /// The `config.json` document of a StyleGAN model directory.
    static func document(_ dir: URL) throws -> Document {
        let url = ModelDirectory.configURL(dir)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelError.checkpoint("model directory \(dir.path) has no config.json")
        }
        return try JSONDecoder().decode(Document.self, from: data)
    }
}
