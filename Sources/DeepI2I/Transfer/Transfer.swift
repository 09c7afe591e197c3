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
    public static func makeModel(config: ModelConfig, generatorWeights: URL?, discriminatorWeights: URL?,
                                 parts: TransferParts = .all, seed: UInt64 = 0,
                                 adaptorInitialisation: AdaptorInitialisation = .pytorch) throws -> DeepI2IModel {
        let model = try DeepI2IModel(config: config, seed: seed)
        try adaptorInitialisation.apply(to: model.adaptor, seed: seed)
        if parts.generator {
            guard let url = generatorWeights else { throw ModelError.checkpoint("transfer of G needs generator weights") }
            try load(model.generator, from: url, role: "generator")
        }
        if parts.discriminator || parts.encoder {
            guard let url = discriminatorWeights else {
                throw ModelError.checkpoint("transfer of D/E needs discriminator weights")
            }
            let weights = try StateDictFile.readDictionary(url)
            if parts.discriminator { try load(model.discriminator, weights, url: url, role: "discriminator") }
            if parts.encoder {
                try load(model.encoder, weights, url: url, role: "encoder (from the discriminator)",
                         ignoring: Encoder.isUnusedHeadKey)
            }
        }
        return model
    }

    static func load(_ module: Module, from url: URL, role: String) throws {
        try load(module, try StateDictFile.readDictionary(url), url: url, role: role)
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
