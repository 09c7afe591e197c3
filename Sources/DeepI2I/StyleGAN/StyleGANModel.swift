import Foundation
import Torch

/// The four networks of DeepI2I on StyleGAN: G (StyledGenerator), D (discriminator), E (encoder, a
/// discriminator whose features are used) and A (Alignment adaptor), fused as the official code does.
public final class StyleGANModel {
    public let config: StyleGANConfig
    public let generator: StyledGenerator
    public let discriminator: StyleGANDiscriminator
    public let encoder: StyleGANDiscriminator
    public let adaptor: StyleGANAlignment

    public init(config: StyleGANConfig, generator rng: RandomGenerator? = nil) throws {
        self.config = config
        generator = try StyledGenerator(config: config, generator: rng)
        discriminator = try StyleGANDiscriminator(config: config, generator: rng)
        encoder = try StyleGANDiscriminator(config: config, generator: rng)
        adaptor = try StyleGANAlignment(config: config, generator: rng)
    }

    /// The networks with their file / key prefixes.
    public var networks: [(name: String, module: Module)] {
        [("G", generator), ("D", discriminator), ("E", encoder), ("A", adaptor)]
    }

    /// A(E(x)): the adapted encoder features by width, at the step x's width implies.
    public func adaptedFeatures(_ x: Tensor) throws -> [Int: Tensor] {
        let step = try StyleGANConfig.step(forResolution: x.size(2))
        return try adaptor(encoder(x, step: step).features)
    }

    /// G(z) fused with A(E(x)) at x's resolution.
    public func translate(_ x: Tensor, z: [Tensor], noise: [Tensor]? = nil,
                          truncation: (meanStyle: Tensor, weight: Double)? = nil, mixing: StyleMixing? = nil,
                          generator rng: RandomGenerator? = nil) throws -> Tensor {
        let step = try StyleGANConfig.step(forResolution: x.size(2))
        return try generator(z: z, noise: noise, step: step, truncation: truncation, mixing: mixing,
                             fused: adaptedFeatures(x), generator: rng)
    }
}

extension StyleGANConfig {
    /// Channel divisor, style dimension and mapping depth read from a StyledGenerator state dict's
    /// shapes (keys as in the official checkpoint). Throws naming what is missing or inconsistent.
    /// With a discriminator's shapes, `from_rgb`'s activation is read too (`from_rgb.N.0.conv` vs `from_rgb.N.conv`).
    public static func inferred(fromGenerator shapes: [String: [Int]], discriminator: [String: [Int]]? = nil,
                                step: Int) throws -> StyleGANConfig {
        let inputKey = "generator.progression.0.conv1.input"
        guard let input = shapes[inputKey], input.count == 4 else {
            let hint = shapes.keys.contains { $0.hasPrefix("G_") || $0.contains("shared.weight") || $0.contains("blocks.0.0") }
                ? " (this looks like a BigGAN generator)" : ""
            throw ModelError.checkpoint("not a StyleGAN generator: no '\(inputKey)'\(hint)")
        }
        guard input[1] > 0, 512 % input[1] == 0, 16 % (512 / input[1]) == 0 else {
            throw ModelError.checkpoint("'\(inputKey)' has \(input[1]) channels: not 512 divided by 1, 2, 4, 8 or 16")
        }
        var mapping = 0
        while shapes["style.\(2 * mapping + 1).linear.weight_orig"] != nil { mapping += 1 }
        guard mapping > 0, let first = shapes["style.1.linear.weight_orig"], first.count == 2 else {
            throw ModelError.checkpoint("StyleGAN generator has no mapping network ('style.1.linear.weight_orig')")
        }
        var config = try StyleGANConfig(step: step, channelDivisor: 512 / input[1], codeDim: first[1], mappingLayers: mapping)
        config.fused = shapes["generator.progression.5.conv1.0.weight"] != nil
        if let d = discriminator {
            guard d["linear.linear.weight_orig"] != nil else {
                let hint = d.keys.contains { $0.hasPrefix("blocks.") || $0.hasPrefix("embed.") } ? " (this looks like a BigGAN discriminator)" : ""
                throw ModelError.checkpoint("not a StyleGAN discriminator: no 'linear.linear.weight_orig'\(hint)")
            }
            config.fromRGBActivate = d["from_rgb.0.0.conv.weight_orig"] != nil
        }
        return config
    }
}
