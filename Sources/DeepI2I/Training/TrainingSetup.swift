import Datasets
import Foundation
import Torch

/// Builds the networks a run starts from, following the paper: transfer (G from the generator, D and E
/// from the discriminator, A fresh), a saved DeepI2I model, or scratch. Also decides which networks
/// train besides A and D.
public enum TrainingSetup {
    public struct Networks {
        public var model: DeepI2IModel
        /// The encoder trains in scratch mode and when it was not transferred (a frozen random encoder
        /// would feed the adaptor noise); transferred encoders stay frozen as in the paper.
        public var trainsEncoder: Bool
        /// Phase 1 (G frozen) only makes sense for a transferred generator.
        public var phase1Iterations: Int

        init(model: DeepI2IModel, roles: (trainsEncoder: Bool, phase1Iterations: Int)) {
            self.model = model
            trainsEncoder = roles.trainsEncoder
            phase1Iterations = roles.phase1Iterations
        }
    }

    /// Which networks train, from the initialisation alone (also used when resuming).
    public static func roles(_ config: TrainingConfig) -> (trainsEncoder: Bool, phase1Iterations: Int) {
        let roles: (trainsEncoder: Bool, phase1Iterations: Int)
        switch config.initialisation {
        case .transfer(_, let parts): roles = (!parts.encoder, parts.generator ? config.phase1Iterations : 0)
        case .model:
            // Phase 1 runs for as much of it as the model has not had (all of it after an import).
            roles = (false, max(0, config.phase1Iterations - (trainedIterations(before: config) ?? config.phase1Iterations)))
        case .scratch: roles = (true, 0)
        }
        if roles.phase1Iterations > 0 && phaseOneHasNothingToTrain(config, trainsEncoder: roles.trainsEncoder) {
            return (roles.trainsEncoder, 0)
        }
        return roles
    }

    /// Phase 1 trains A (and E where it trains) against the frozen G. Without an adaptor (`--no-adaptor`,
    /// the paper's dagger-DeepI2I) and with a frozen E, nothing on G's side of phase 1 would train, so the
    /// run skips phase 1 and G trains from the first iteration.
    public static func phaseOneHasNothingToTrain(_ config: TrainingConfig, trainsEncoder: Bool) -> Bool {
        guard !trainsEncoder else { return false }
        return fusionMode(config) == .direct
    }

    /// The fusion mode the run's model has: the saved model's for `--from-model`, the config's otherwise.
    static func fusionMode(_ config: TrainingConfig) -> FusionMode {
        guard case .model(let directory) = config.initialisation else { return config.fusionMode }
        return (try? ModelDirectory.readDocument(URL(fileURLWithPath: directory)))?.model.fusionMode ?? config.fusionMode
    }

    /// DeepI2I iterations the run's starting weights have had: 0 for transfer and scratch, the model
    /// directory's record for `--from-model` (nil where it has none).
    public static func trainedIterations(before config: TrainingConfig) -> Int? {
        guard case .model(let directory) = config.initialisation else { return 0 }
        return (try? ModelDirectory.readDocument(URL(fileURLWithPath: directory)))?.trainedIterations
    }

    /// The active fusion levels after the ablation flags: `levels` (or the default), then the deepest
    /// `encoderLevels` of them.
    public static func fusionLevels(resolution: Int, levels: [Int]?, encoderLevels: Int?) throws -> [Int] {
        let arch = try Architecture(resolution: resolution)
        var chosen = (levels ?? arch.defaultFusionLevels).sorted(by: >)
        if let n = encoderLevels {
            guard n <= chosen.count else {
                throw TrainingError.invalidConfig("--encoder-levels \(n) but only \(chosen.count) fusion levels (\(chosen)) are active")
            }
            chosen = Array(chosen.suffix(n))
        }
        guard !chosen.isEmpty else { throw TrainingError.invalidConfig("no fusion level is active") }
        return chosen
    }

    /// The fusion weights of the active levels: the official defaults with `overrides` applied. An
    /// override for a level that is not active is an error (it would silently do nothing).
    /// The fusion levels of a bottleneck `downsamplings` deep: every fusable width from the shallowest down
    /// to R / 2^downsamplings, where the encoder's features stop (the paper varies the number of E's
    /// downsampling layers, fusing at all of them; 2 is StarGAN's bottleneck at R/4). G keeps its full
    /// depth so that it can still be transferred; its levels below the bottleneck get no encoder input.
    public static func bottleneckLevels(resolution: Int, downsamplings: Int) throws -> [Int] {
        let arch = try Architecture(resolution: resolution)
        let available = arch.discriminator.filter(\.downsample).count
        let fusable = arch.fusableWidths
        let possible = (1...available).filter { n in fusable.contains { $0 >= resolution >> n } }
        guard possible.contains(downsamplings) else {
            throw TrainingError.invalidConfig("--bottleneck-downsamplings \(downsamplings) at \(resolution) px: the encoder has \(available) downsampling blocks and fuses at widths \(fusable); possible: \(possible.map(String.init).joined(separator: ", "))")
        }
        return fusable.filter { $0 >= resolution >> downsamplings }
    }

    public static func fusionWeights(levels: [Int], scratch: Bool, overrides: FusionWeights?) throws -> [String: Double] {
        let defaults = FusionWeights.officialDefaults(levels: levels, scratch: scratch)
        return try overrides?.applied(to: defaults, levels: levels) ?? defaults
    }

    public static func make(_ config: TrainingConfig, dataset: PackedDataset) throws -> Networks {
        let classNames = dataset.manifest.classNames
        func configure(_ base: ModelConfig, scratch: Bool) throws -> ModelConfig {
            var m = base
            guard classNames.count <= m.classCount else {
                throw TrainingError.invalidConfig("the dataset has \(classNames.count) classes but the source GAN only \(m.classCount) embedding rows")
            }
            m.classNames = classNames
            m.classRows = Array(0..<classNames.count)  // dataset class k uses row k (official)
            if let n = config.bottleneckDownsamplings {
                m.fusionLevels = try bottleneckLevels(resolution: m.resolution, downsamplings: n)
            } else {
                m.fusionLevels = try fusionLevels(resolution: m.resolution, levels: config.levels, encoderLevels: config.encoderLevels)
            }
            m.fusionWeights = try fusionWeights(levels: m.fusionLevels, scratch: scratch, overrides: config.fusionWeights)
            m.fusionMode = config.fusionMode
            try m.validate()
            return m
        }
        switch config.initialisation {
        case let .transfer(ganDirectory, parts):
            let dir = URL(fileURLWithPath: ganDirectory)
            let gan = try GANDirectory.config(dir, resolution: dataset.resolution)
            guard gan.resolution == dataset.resolution else {
                throw TrainingError.invalidConfig("the source GAN is \(gan.resolution)x\(gan.resolution), the dataset \(dataset.resolution)x\(dataset.resolution)")
            }
            let m = try configure(gan, scratch: false)
            let model = try Transfer.makeModel(config: m, generatorWeights: GANDirectory.generatorWeights(dir),
                                               discriminatorWeights: GANDirectory.discriminatorWeights(dir),
                                               parts: parts, seed: config.seed,
                                               adaptorInitialisation: config.adaptorInitialisation ?? .orthogonal)
            return Networks(model: model, roles: roles(config))
        case .model(let directory):
            let (model, _) = try ModelDirectory.load(URL(fileURLWithPath: directory), networks: .all)
            guard model.config.resolution == dataset.resolution else {
                throw TrainingError.invalidConfig("the model is \(model.config.resolution)x\(model.config.resolution), the dataset \(dataset.resolution)x\(dataset.resolution)")
            }
            return Networks(model: model, roles: roles(config))
        case .scratch(let channels):
            // The official scratch run keeps BigGAN's 1000 embedding rows (dataset class k uses row k).
            let base = try ModelConfig(resolution: dataset.resolution, channels: channels,
                                       classCount: max(1000, classNames.count))
            let model = try DeepI2IModel(config: try configure(base, scratch: true), seed: config.seed)
            return Networks(model: model, roles: roles(config))
        }
    }
}
