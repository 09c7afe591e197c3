import Foundation
import Torch

/// Reads a BigGAN-PyTorch generator/discriminator state dict and infers the configuration that fits
/// it (width, classes, z and embedding sizes, attention), so users need not know the training options.
public enum CheckpointInspector {
    public static func inferConfig(generator g: [String: [Int]], discriminator d: [String: [Int]]?,
                                   resolution: Int) throws -> ModelConfig {
        let arch = try Architecture(resolution: resolution)
        func shape(_ dict: [String: [Int]], _ key: String, _ which: String) throws -> [Int] {
            guard let s = dict[key] else {
                throw ModelError.checkpoint("the \(which) checkpoint has no '\(key)': not a BigGAN-PyTorch \(which) at resolution \(resolution)?")
            }
            return s
        }
        if g["generator.progression.0.conv1.input"] != nil || g.keys.contains(where: { $0.hasPrefix("g_running.") }) {
            throw ModelError.checkpoint("the generator checkpoint is a StyleGAN one (it has StyleGAN's 'progression' keys): use import-stylegan")
        }
        var config = ModelConfig()
        config.resolution = resolution
        let shared = try shape(g, "shared.weight", "generator")
        config.classCount = shared[0]
        config.sharedDim = shared[1]
        // The last G block outputs (last multiplier) * ch channels.
        let out = try shape(g, "output_layer.2.weight", "generator")
        let lastMultiplier = arch.generator[arch.generator.count - 1].outMultiplier
        guard out[1] % lastMultiplier == 0 else {
            throw ModelError.checkpoint("generator output layer has \(out[1]) channels, not a multiple of \(lastMultiplier)")
        }
        config.generatorChannels = out[1] / lastMultiplier
        let linear = try shape(g, "linear.weight", "generator")
        let conditionDim = try shape(g, "blocks.0.0.bn1.gain.weight", "generator")[1]
        config.hierarchicalZ = conditionDim > config.sharedDim
        config.dimZ = config.hierarchicalZ ? linear[1] * (arch.generator.count + 1) : linear[1]
        config.generatorAttention = arch.generator.enumerated()
            .filter { g["blocks.\($0.offset).1.gamma"] != nil }.map(\.element.width)
        if let d {
            let first = try shape(d, "blocks.0.0.conv1.weight", "discriminator")
            config.discriminatorChannels = first[0] / arch.discriminator[0].outMultiplier
            config.discriminatorAttention = arch.discriminator.enumerated()
                .filter { d["blocks.\($0.offset).1.gamma"] != nil }.map(\.element.width)
        } else {
            config.discriminatorChannels = config.generatorChannels
            config.discriminatorAttention = config.generatorAttention
        }
        config.fusionLevels = arch.defaultFusionLevels
        config.fusionWeights = FusionWeights.officialDefaults(levels: config.fusionLevels, scratch: false)
        try config.validate()
        return config
    }

    /// Shapes by key of a checkpoint file.
    public static func shapes(_ url: URL) throws -> [String: [Int]] {
        Dictionary(try StateDictFile.readHost(url).map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
    }
}
