import Torch

/// Adaptor A (the paper's Lambda): one sub-adaptor per fusion width mapping encoder channels to
/// generator channels. A sub-adaptor is a pre-activated down-block without pooling: ReLU -> SNConv3x3 ->
/// ReLU -> SNConv3x3, plus an SNConv1x1 shortcut where channels differ (identity at width 4 at 128).
/// Keys: `blocks.<i>.0.*`, i indexing the fusable widths from shallow to deep (width 32 is blocks.0
/// at 128), stable when ablations drop levels.
public final class Adaptor: Module {
    public let config: ModelConfig
    public let blocks = ModuleList()
    let subAdaptors: [Int: DBlock]
    let tiling: [Int: (from: Int, to: Int)]

    public init(config: ModelConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        let arch = try Architecture(resolution: config.resolution)
        var subAdaptors: [Int: DBlock] = [:]
        var tiling: [Int: (Int, Int)] = [:]
        for (i, width) in arch.defaultFusionLevels.enumerated() where config.fusionLevels.contains(width) {
            guard let e = arch.encoderMultiplier(width: width), let g = arch.generatorMultiplier(width: width) else { continue }
            let inC = e * config.discriminatorChannels, outC = g * config.generatorChannels
            switch config.fusionMode {
            case .adaptor:
                let block = try DBlock(inC, outC, preactivation: true, downsample: false, snEps: config.snEps, generator: rng)
                let entry = ModuleList()
                entry.append(block)
                blocks.append(entry, at: i)
                subAdaptors[width] = block
            case .direct:
                guard outC % inC == 0 else {
                    throw ModelError.invalidConfig("direct fusion at width \(width) needs generator channels (\(outC)) to be a multiple of encoder channels (\(inC))")
                }
                tiling[width] = (inC, outC)
            }
        }
        self.subAdaptors = subAdaptors
        self.tiling = tiling
        super.init()
        registerModule("blocks", blocks)
    }

    /// Maps encoder features (by width) to generator-ready features at the active levels.
    public func callAsFunction(_ features: [Int: Tensor]) throws -> [Int: Tensor] {
        var out: [Int: Tensor] = [:]
        for width in config.fusionLevels {
            guard let f = features[width] else {
                throw ModelError.badInput("encoder produced no feature at width \(width)")
            }
            if let block = subAdaptors[width] {
                out[width] = try block(f)
            } else if let (from, to) = tiling[width] {
                out[width] = to == from ? f : try f.repeated([1, to / from, 1, 1])
            }
        }
        return out
    }

    /// Keys of an official adaptor state dict that no forward pass uses.
    public static func isUnusedKey(_ key: String) -> Bool {
        key.hasPrefix("linear.") || key.hasPrefix("embed.")
    }
}
