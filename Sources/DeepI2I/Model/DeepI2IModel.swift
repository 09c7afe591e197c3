import Foundation
import Torch

/// The four networks of DeepI2I: encoder E (Upsilon), adaptor A (Lambda), generator G (Phi) and
/// discriminator D (Psi). Translation is G(z, e_c, A(E(x))).
public final class DeepI2IModel {
    public let config: ModelConfig
    public let generator: Generator
    public let discriminator: Discriminator
    public let encoder: Encoder
    public let adaptor: Adaptor

    /// Fresh networks with BigGAN's orthogonal initialisation, seeded.
    /// `toBeLoaded` names networks ("G", "D", "E", "A") whose weights a checkpoint will overwrite, or that
    /// will never run (D in a translation load): they are built with zero weights, skipping the costly
    /// random initialisation.
    public init(config: ModelConfig, seed: UInt64 = 0, toBeLoaded: Set<String> = []) throws {
        try config.validate()
        self.config = config
        let rng = try RandomGenerator(seed: seed)
        generator = try RandomInit.skipping(toBeLoaded.contains("G")) { try Generator(config: config, generator: rng) }
        discriminator = try RandomInit.skipping(toBeLoaded.contains("D")) { try Discriminator(config: config, generator: rng) }
        encoder = try RandomInit.skipping(toBeLoaded.contains("E")) { try Encoder(config: config, generator: rng) }
        adaptor = try RandomInit.skipping(toBeLoaded.contains("A")) { try Adaptor(config: config, generator: rng) }
    }

    public var networks: [(name: String, module: Module)] {
        [("G", generator), ("D", discriminator), ("E", encoder), ("A", adaptor)]
    }

    public func train(_ on: Bool = true) {
        for (_, m) in networks { m.train(on) }
    }

    public func eval() { train(false) }

    public func to(_ device: Device) throws {
        for (_, m) in networks { try m.to(device) }
    }

    public var device: Device { generator.shared.weight.device }

    /// Translates images `x` ([N,3,R,R] in [-1,1]) with class embeddings `embedding` ([N, sharedDim])
    /// and noise `z` ([N, dimZ]).
    public func translate(_ x: Tensor, embedding: Tensor, z: Tensor) throws -> Tensor {
        try generator(z: z, embedding: embedding, fused: adaptor(encoder(x)))
    }

    /// Translates into dataset classes (one per image).
    public func translate(_ x: Tensor, classes: [Int], z: Tensor) throws -> Tensor {
        guard classes.count == x.size(0) else {
            throw ModelError.badInput("\(classes.count) target classes for \(x.size(0)) images")
        }
        if let bad = classes.first(where: { $0 < 0 || $0 >= config.classCount }) {
            throw ModelError.badInput("class \(bad) is outside 0..<\(config.classCount)")
        }
        return try translate(x, embedding: generator.classEmbedding(classes), z: z)
    }
}
