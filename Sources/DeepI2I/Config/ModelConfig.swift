import Foundation

/// How encoder features reach the generator (the paper's adaptor ablation).
public enum FusionMode: String, Codable, Sendable, CaseIterable {
    /// Trainable sub-adaptors align encoder features with generator layers (DeepI2I).
    case adaptor
    /// No adaptor (the paper's †DeepI2I): features are summed in directly. Where channel counts differ,
    /// encoder channels are tiled to the generator's count (a fixed, parameter-free mapping).
    case direct
}

/// Everything that fixes the shapes of a DeepI2I model. Defaults are the paper's 128x128 ImageNet setting.
/// Saved as `config.json` next to the weights; every command that takes a model reads it.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var resolution: Int = 128
    /// Channel width multipliers (`G_ch`, `D_ch`): 96 in the paper.
    public var generatorChannels: Int = 96
    public var discriminatorChannels: Int = 96
    /// Rows of the class embeddings (G.shared, D.embed): 1000 for ImageNet checkpoints, plus one per class
    /// an import starts from the mean of several rows (`ClassEmbeddingLayout`).
    public var classCount: Int = 1000
    public var dimZ: Int = 120
    public var sharedDim: Int = 128
    /// Hierarchical z: z is split into one chunk for the first linear layer plus one per G block.
    public var hierarchicalZ: Bool = true
    public var generatorAttention: [Int] = [64]
    public var discriminatorAttention: [Int] = [64]
    public var snEps: Double = 1e-6
    public var bnEps: Double = 1e-5
    /// Encoder-to-generator fusion levels (feature widths) that are active.
    public var fusionLevels: [Int] = [32, 16, 8, 4]
    /// w_l of equation (5), by width.
    public var fusionWeights: [String: Double] = FusionWeights.officialDefaults(levels: [32, 16, 8, 4], scratch: false)
    public var fusionMode: FusionMode = .adaptor
    /// Dataset class names; index k uses embedding row `classRows[k]`.
    public var classNames: [String] = []
    /// Embedding row of each dataset class (identity 0..<n by default, as the official code does).
    public var classRows: [Int] = []

    public init() {}

    /// The paper's configuration at another resolution/width; fusion levels follow the rule in
    /// `Architecture.defaultFusionLevels`.
    public init(resolution: Int, channels: Int, classCount: Int = 1000) throws {
        self.resolution = resolution
        generatorChannels = channels
        discriminatorChannels = channels
        self.classCount = classCount
        let arch = try Architecture(resolution: resolution)
        // BigGAN's attention at width 64, where the network has that width.
        generatorAttention = arch.generator.contains { $0.width == 64 } ? [64] : []
        discriminatorAttention = arch.discriminator.contains { $0.width == 64 } ? [64] : []
        fusionLevels = arch.defaultFusionLevels
        fusionWeights = FusionWeights.officialDefaults(levels: fusionLevels, scratch: false)
        dimZ = arch.generator.count * 20 + 20
    }

    public func fusionWeight(width: Int) -> Double { fusionWeights[String(width)] ?? 0 }

    /// The scratch-mode fusion weights of the official code: 1 at the deep levels, 0.1 at width 32.
    public static func scratchFusionWeights(levels: [Int]) -> [String: Double] {
        FusionWeights.officialDefaults(levels: levels, scratch: true)
    }

    /// Embedding row for a dataset class index.
    public func embeddingRow(forClass k: Int) -> Int { k < classRows.count ? classRows[k] : k }

    /// Checks that the configuration describes a buildable network.
    public func validate() throws {
        let arch = try Architecture(resolution: resolution)
        func fail(_ m: String) -> ModelError { ModelError.invalidConfig(m) }
        guard generatorChannels > 0, discriminatorChannels > 0 else { throw fail("channel widths must be positive") }
        for width in generatorAttention {
            guard let m = arch.generator.first(where: { $0.width == width })?.outMultiplier else {
                throw fail("generator attention at width \(width), but no generator block outputs that width")
            }
            guard (m * generatorChannels) % 8 == 0 else {
                throw fail("generator attention at width \(width) needs its \(m * generatorChannels) channels to be divisible by 8")
            }
        }
        for width in discriminatorAttention {
            guard let m = arch.discriminator.first(where: { $0.width == width })?.outMultiplier else {
                throw fail("discriminator attention at width \(width), but no discriminator block outputs that width")
            }
            guard (m * discriminatorChannels) % 8 == 0 else {
                throw fail("discriminator attention at width \(width) needs its \(m * discriminatorChannels) channels to be divisible by 8")
            }
        }
        guard classCount > 0 else { throw fail("classCount must be positive") }
        let slots = arch.generator.count + 1
        if hierarchicalZ, dimZ % slots != 0 {
            throw fail("dimZ \(dimZ) must split into \(slots) equal chunks (hierarchical z at resolution \(resolution))")
        }
        for level in fusionLevels where !arch.fusableWidths.contains(level) {
            throw fail("fusion level \(level) is not produced by both encoder and generator at resolution \(resolution) (possible: \(arch.fusableWidths))")
        }
        if !classRows.isEmpty, let bad = classRows.first(where: { $0 < 0 || $0 >= classCount }) {
            throw fail("class row \(bad) is outside the \(classCount) embedding rows")
        }
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case unsupportedResolution(Int)
    case badInput(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model configuration: \(m)"
        case .unsupportedResolution(let r): return "unsupported resolution \(r) (supported: 32, 64, 128, 256)"
        case .badInput(let m): return "bad input: \(m)"
        case .checkpoint(let m): return m
        }
    }
}
