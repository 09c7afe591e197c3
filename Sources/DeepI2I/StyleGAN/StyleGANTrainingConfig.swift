import Foundation

/// The options of DeepI2I-StyleGAN training (two-domain translation, the official
/// `DeepI2I_StyleGAN/train.py`) and of the unconditional StyleGAN source trainer (`pretrain-stylegan`,
/// rosinality's `train.py` at one fixed resolution). Defaults are the official values; where the official
/// code has none (run length, checkpoint cadence) the BigGAN family's are used.

/// Where the four networks of a DeepI2I-StyleGAN run start from.
public enum StyleGANStart: Codable, Equatable, Sendable {
    /// The official transfer: G from the source's generator, D and E from its discriminator, A fresh.
    /// `source` is a StyleGAN model directory (`import-stylegan` or `pretrain-stylegan` output).
    case transfer(source: String)
    /// Continue from a DeepI2I-StyleGAN model directory (all four networks; fresh optimizers).
    case model(directory: String)
    /// Every network random; the encoder trains (a frozen random encoder would feed A noise) and G is
    /// never frozen, as the BigGAN family's scratch mode.
    case scratch(channelDivisor: Int, mappingLayers: Int)
}

/// One image domain: a packed dataset, optionally restricted to one of its classes.
public struct StyleGANDomain: Codable, Equatable, Sendable {
    public var data: String
    /// A class name of the dataset; nil takes every image.
    public var className: String?
    public init(data: String, className: String? = nil) {
        self.data = data
        self.className = className
    }
}

/// The Adam and schedule options both StyleGAN trainers share (official: train.py's).
public struct StyleGANOptimization: Codable, Equatable, Sendable {
    /// WGAN-GP is train.py's default `--loss`.
    public var loss: StyleGANLossKind = .wganGP
    /// `--lr` 0.001 for G, D, E and A.
    public var learningRate = 1e-3
    /// The mapping network is a second G parameter group at lr x 0.01 (`'mult': 0.01`).
    public var mappingLRMultiplier = 0.01
    public var beta1 = 0.0
    public var beta2 = 0.99
    /// torch.optim.Adam's default (train.py passes none).
    public var adamEps = 1e-8
    /// `--mixing` (off unless given): with probability `mixingProbability` two z and a random crossover.
    public var mixing = false
    public var mixingProbability = 0.9
    /// Random horizontal flip of the training images (the official transform).
    public var horizontalFlip = true

    public init() {}

    func validate() throws {
        for lr in [learningRate, learningRate * mappingLRMultiplier] where !(lr > 0 && lr.isFinite) {
            throw TrainingError.invalidConfig("learning rates must be positive, got \(lr)")
        }
        guard (0...1).contains(mixingProbability) else {
            throw TrainingError.invalidConfig("the mixing probability must be in [0, 1], got \(mixingProbability)")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), adamEps > 0 else {
            throw TrainingError.invalidConfig("Adam betas must be in [0, 1) and eps positive")
        }
    }
}

/// Everything that defines a DeepI2I-StyleGAN training run (`deepi2i train` on a StyleGAN source).
public struct StyleGANTrainingConfig: Codable, Equatable, Sendable {
    /// The target domain: the reals D sees (train.py's `path`).
    public var target: StyleGANDomain
    /// The input domain, translated (train.py's `--path_y`).
    public var input: StyleGANDomain
    public var start: StyleGANStart
    public var optimization = StyleGANOptimization()
    public var iterations = 20_000
    /// `batch_default` of train.py.
    public var batchSize = 32
    /// `stage_change`: G frozen for the first 500 iterations of a transfer (A and D train).
    public var generatorFreezeIterations = 500
    /// `accumulate(g_running, G, decay)` after every G/A step: train.py passes 0, a plain copy.
    public var gRunningDecay = 0.0
    public var seed: UInt64 = 0
    public var checkpointEvery = 1000
    public var keepCheckpoints = 3
    public var sampleEvery = 500
    public var sampleRows = 8

    public init(target: StyleGANDomain, input: StyleGANDomain, start: StyleGANStart) {
        self.target = target
        self.input = input
        self.start = start
    }

    public func validate() throws {
        func fail(_ m: String) -> TrainingError { .invalidConfig(m) }
        guard iterations >= 0, generatorFreezeIterations >= 0 else { throw fail("iterations must be >= 0") }
        guard batchSize >= 2 else { throw fail("batch size \(batchSize) must be >= 2 (minibatch stddev)") }
        guard checkpointEvery >= 1, keepCheckpoints >= 1, sampleEvery >= 1, sampleRows >= 1 else {
            throw fail("--checkpoint-every, --keep, --sample-every and --sample-rows must be >= 1")
        }
        guard (0...1).contains(gRunningDecay) else { throw fail("the g_running decay must be in [0, 1], got \(gRunningDecay)") }
        try optimization.validate()
        if case let .scratch(divisor, layers) = start {
            _ = try StyleGANConfig(step: 0, channelDivisor: divisor, mappingLayers: layers)
        }
    }

    /// The options that must match for a resume to be exact (the iteration budget may change).
    var withoutIterations: StyleGANTrainingConfig {
        var c = self
        c.iterations = 0
        return c
    }
}

/// Everything that defines an unconditional StyleGAN source run (`deepi2i pretrain-stylegan`).
public struct StyleGANPretrainingConfig: Codable, Equatable, Sendable {
    public var data: StyleGANDomain
    /// Official widths are divisor 1; 8 or 16 fit a CPU.
    public var channelDivisor = 1
    public var mappingLayers = 8
    public var optimization = StyleGANOptimization()
    public var iterations = 10_000
    public var batchSize = 32
    /// rosinality's `accumulate(g_running, G)` default decay.
    public var gRunningDecay = 0.999
    public var seed: UInt64 = 0
    public var checkpointEvery = 1000
    public var keepCheckpoints = 3
    public var sampleEvery = 500

    public init(data: StyleGANDomain) { self.data = data }

    public func validate() throws {
        guard iterations >= 0 else { throw TrainingError.invalidConfig("iterations must be >= 0") }
        guard batchSize >= 2 else { throw TrainingError.invalidConfig("batch size \(batchSize) must be >= 2 (minibatch stddev)") }
        guard checkpointEvery >= 1, keepCheckpoints >= 1, sampleEvery >= 1 else {
            throw TrainingError.invalidConfig("--checkpoint-every, --keep and --sample-every must be >= 1")
        }
        guard (0...1).contains(gRunningDecay) else {
            throw TrainingError.invalidConfig("the g_running decay must be in [0, 1], got \(gRunningDecay)")
        }
        try optimization.validate()
        _ = try StyleGANConfig(step: 0, channelDivisor: channelDivisor, mappingLayers: mappingLayers)
    }

    var withoutIterations: StyleGANPretrainingConfig {
        var c = self
        c.iterations = 0
        return c
    }
}
