import Foundation

/// Where the networks of a DeepI2I run start from.
public enum Initialisation: Codable, Equatable, Sendable {
    /// The paper's transfer: G from the source GAN's generator (EMA copy if present), D and E from its
    /// discriminator, A fresh. `parts` selects a subset (the partial-transfer ablation); the rest are random.
    case transfer(ganDirectory: String, parts: TransferParts)
    /// Continue from a DeepI2I model directory (all four networks; fresh optimizers).
    case model(directory: String)
    /// Every network from orthogonal init; the encoder trains; scratch fusion weights.
    case scratch(channels: Int)

    public var isScratch: Bool { if case .scratch = self { return true } else { return false } }
}

/// Where the D step takes its real images from.
public enum DiscriminatorReals: String, Codable, Sendable, CaseIterable {
    /// As the official code: a second, independently shuffled loader with its own labels.
    case independent
    /// The images being translated in the same micro-batch (deepi2i before issue #20).
    case inputs
}

/// Everything that defines a DeepI2I training run. The defaults are the paper's / official code's;
/// the struct is written to `RUN_DIR/run.json` and next to every checkpoint so a snapshot says how it was made.
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// Packed dataset folder (target domain).
    public var data: String
    public var initialisation: Initialisation
    public var iterations = 20_000
    /// Phase 1 (A and D train, G and E frozen) lasts this many iterations when G is transferred.
    public var phase1Iterations = 500
    /// Images per optimizer step; split into `accumulate` micro-batches (official: 32 = 4 x 8).
    public var batchSize = 32
    public var accumulate = 8
    /// The fresh adaptor's init under transfer (nil in older configs: orthogonal, what they ran with).
    public var adaptorInitialisation: AdaptorInitialisation? = .pytorch
    public var generatorLR = 1e-4
    public var discriminatorLR = 4e-4
    public var adaptorLR = 4e-4
    /// Only used when the encoder trains (scratch, or E not transferred).
    public var encoderLR = 4e-4
    public var beta1 = 0.0
    public var beta2 = 0.999
    public var adamEps = 1e-6
    public var reconstructionDistance: ReconstructionDistance = .mse
    /// The official code's G loss exactly (`Losses.officialGenerator`: reconstruction between rows 0 and 1
    /// of D's features, adversarial term from row 0), as the paper's runs trained. nil (configs written
    /// before the option) or false: each translation against its own input, adversarial over every fake.
    public var officialReconPairing: Bool?
    /// Where D's real images come from (nil in older configs: `.inputs`, the behaviour they ran with).
    public var discriminatorReals: DiscriminatorReals? = .independent
    public var adversarialWeight = 1.0
    public var reconstructionWeight = 1.0
    /// Active fusion levels (nil: the model's default levels).
    public var levels: [Int]?
    /// Use only the deepest N of the active levels.
    public var encoderLevels: Int?
    /// Depth of the bottleneck (the paper's Fig. 6 middle): the encoder stops after this many
    /// downsampling blocks and fuses at every level down to there (2: a StarGAN-like bottleneck at R/4).
    /// nil: E's full depth. See `TrainingSetup.bottleneckLevels`.
    public var bottleneckDownsamplings: Int?
    /// Fusion weight per level (width as a string, as in ModelConfig; `allFusionLevels` sets every
    /// active level). nil: the official values, 0.1 at every level for transfer and {deep: 1,
    /// width 32: 0.1} for scratch. An active level not named keeps its official value.
    public var fusionWeights: FusionWeights?
    public static let allFusionLevels = FusionWeights.allLevels
    public var fusionMode: FusionMode = .adaptor
    /// Train on only the first N training images of each class (data-scarcity studies; nil: all).
    public var trainImagesPerClass: Int?
    public var seed: UInt64 = 0
    public var checkpointEvery = 1000
    public var keepCheckpoints = 3
    public var sampleEvery = 500
    public var sampleRows = 8
    /// Arithmetic of training (`--precision`; nil: fp32, as configs written before the option).
    public var precision: Precision?

    public init(data: String, initialisation: Initialisation) {
        self.data = data
        self.initialisation = initialisation
    }

    public var microBatchSize: Int { batchSize / accumulate }

    public func validate() throws {
        func fail(_ m: String) -> TrainingError { .invalidConfig(m) }
        guard iterations >= 0, phase1Iterations >= 0 else { throw fail("iterations must be >= 0") }
        guard accumulate >= 1, batchSize >= accumulate, batchSize % accumulate == 0 else {
            throw fail("batch size \(batchSize) must be a positive multiple of --accumulate \(accumulate)")
        }
        guard checkpointEvery >= 1, keepCheckpoints >= 1, sampleEvery >= 1, sampleRows >= 1 else {
            throw fail("--checkpoint-every, --keep, --sample-every and --sample-rows must be >= 1")
        }
        if let n = encoderLevels, n < 1 { throw fail("--encoder-levels must be >= 1") }
        if let n = trainImagesPerClass, n < 1 { throw fail("--train-per-class must be >= 1") }
        if case .model = initialisation, levels != nil || encoderLevels != nil || fusionWeights != nil || bottleneckDownsamplings != nil {
            throw fail("--levels, --encoder-levels, --bottleneck-downsamplings and --fusion-weights shape a new model; --from-model keeps the saved model's")
        }
        if let n = bottleneckDownsamplings {
            guard n >= 1 else { throw fail("--bottleneck-downsamplings must be >= 1, got \(n)") }
            guard levels == nil, encoderLevels == nil else {
                throw fail("--bottleneck-downsamplings chooses the fusion levels itself; give it without --levels / --encoder-levels")
            }
        }
        try fusionWeights?.validate()
        for w in [adversarialWeight, reconstructionWeight] where !(w.isFinite && w >= 0) {
            throw fail("loss weights (--adv-weight, --rec-weight) must be finite and >= 0, got \(w)")
        }
        for lr in [generatorLR, discriminatorLR, adaptorLR, encoderLR] where !(lr > 0) {
            throw fail("learning rates must be positive, got \(lr)")
        }
    }
}

/// Options of BigGAN pretraining (the source GAN). Defaults are BigGAN-PyTorch's.
public struct GANTrainingConfig: Codable, Equatable, Sendable {
    public var data: String
    public var resolution: Int
    public var channels: Int
    public var iterations = 10_000
    public var batchSize = 64
    public var generatorLR = 1e-4
    public var discriminatorLR = 4e-4
    public var beta1 = 0.0
    public var beta2 = 0.999
    public var adamEps = 1e-6
    public var discriminatorSteps = 1
    public var ema = false
    public var emaDecay = 0.999
    /// EMA copies G exactly until this iteration (BigGAN's ema_start).
    public var emaStart = 0
    public var seed: UInt64 = 0
    public var checkpointEvery = 1000
    public var keepCheckpoints = 3
    public var sampleEvery = 500
    /// Arithmetic of training (`--precision`; nil: fp32, as configs written before the option).
    public var precision: Precision?

    public init(data: String, resolution: Int, channels: Int) {
        self.data = data
        self.resolution = resolution
        self.channels = channels
    }

    /// The options that must match for a resume to be exact (the iteration budget may change).
    var withoutIterations: GANTrainingConfig {
        var c = self
        c.iterations = 0
        return c
    }
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case nonFiniteLoss(iteration: Int, losses: String, lastCheckpoint: String?)
    case checkpoint(String)
    case data(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid training configuration: \(m)"
        case let .nonFiniteLoss(iteration, losses, last):
            return "training stopped: non-finite loss at iteration \(iteration) (\(losses)); "
                + (last.map { "the last good checkpoint is \($0) (resume with --resume after lowering the learning rate)" }
                   ?? "no checkpoint was written before it")
        case .checkpoint(let m): return "checkpoint: \(m)"
        case .data(let m): return "data: \(m)"
        }
    }
}
