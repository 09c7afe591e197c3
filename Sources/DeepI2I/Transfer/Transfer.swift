import Foundation
import Torch

/// Which networks start from the source GAN (the paper's partial-transfer ablation, Fig. 6 / Table 3);
/// the rest keep their orthogonal initialisation. The adaptor is always fresh.
public struct TransferParts: Codable, Equatable, Sendable {
    public var generator = true
    public var discriminator = true
    public var encoder = true

    public init(generator: Bool = true, discriminator: Bool = true, encoder: Bool = true) {
        self.generator = generator
        self.discriminator = discriminator
        self.encoder = encoder
    }

    public static let all = TransferParts()
    public static let none = TransferParts(generator: false, discriminator: false, encoder: false)
}

/// Builds DeepI2I models from a pretrained BigGAN, as the paper does: G from the generator (the EMA
/// copy when there is one), D and E both from the discriminator, A freshly initialised (by default with
/// PyTorch's default init, as the official adaptor).
public enum Transfer {
    /// - Parameters:
    ///   - generatorWeights / discriminatorWeights: BigGAN-PyTorch state dicts (.pth zip or legacy, or safetensors).
    ///   - config: must fit the checkpoints; a mismatch names the first offending key and both shapes.
    ///   - classes: where each dataset class's embedding starts; classes started from several rows get
    ///     new rows holding their mean (the model then has `classes.modelRows` rows). Nil keeps `config`'s.
    public static func makeModel(config: ModelConfig, generatorWeights: URL?, discriminatorWeights: URL?,
                                 parts: TransferParts = .all, seed: UInt64 = 0,
                                 classes: ClassEmbeddingLayout? = nil,
                                 adaptorInitialisation: AdaptorInitialisation = .pytorch) throws -> DeepI2IModel {
        if let classes, classes.sourceRows != config.classCount {
            throw ModelError.badInput("class layout is for \(classes.sourceRows) source rows, the checkpoints have \(config.classCount)")
        }
        let model = try DeepI2IModel(config: classes?.apply(to: config) ?? config, seed: seed)
        try adaptorInitialisation.apply(to: model.adaptor, seed: seed)
        if parts.generator {
            guard let url = generatorWeights else { throw ModelError.checkpoint("transfer of G needs generator weights") }
            var weights = try StateDictFile.readDictionary(url)
            if let classes, let shared = weights["shared.weight"] { weights["shared.weight"] = try classes.expand(shared) }
            try load(model.generator, weights, url: url, role: "generator")
        }
        if parts.discriminator || parts.encoder {
            guard let url = discriminatorWeights else {
                throw ModelError.checkpoint("transfer of D/E needs discriminator weights")
            }
            var weights = try StateDictFile.readDictionary(url)
            if let classes {
                // D's projection embedding is spectrally normalised: its u vector [1, rows] grows alike.
                if let embed = weights["embed.weight"] { weights["embed.weight"] = try classes.expand(embed) }
                if let u = weights["embed.u0"] { weights["embed.u0"] = try classes.expand(u, dim: 1) }
            }
            if parts.discriminator { try load(model.discriminator, weights, url: url, role: "discriminator") }
            if parts.encoder {
                try load(model.encoder, weights, url: url, role: "encoder (from the discriminator)",
                         ignoring: Encoder.isUnusedHeadKey)
            }
        }
        return model
    }

    static func load(_ module: Module, _ weights: [String: Tensor], url: URL, role: String,
                     ignoring: (String) -> Bool = { _ in false }) throws {
        do {
            try module.loadStateDict(weights, strict: true, ignoring: ignoring)
        } catch let error as StateDictError {
            throw ModelError.checkpoint("\(url.path) does not fit the \(role) of this configuration: \(error)")
        }
    }
}
