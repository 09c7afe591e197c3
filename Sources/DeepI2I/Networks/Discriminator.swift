import Torch

/// The down-block trunk shared by the discriminator and the encoder (which has D's architecture).
final class DiscriminatorTrunk {
    let dBlocks: [DBlock]
    let attention: [SelfAttention?]
    let widths: [Int]
    let list = ModuleList()

    init(config: ModelConfig, arch: Architecture, rng: RandomGenerator?) throws {
        let ch = config.discriminatorChannels
        var dBlocks: [DBlock] = []
        var attention: [SelfAttention?] = []
        for (k, spec) in arch.discriminator.enumerated() {
            let inC = spec.inMultiplier == 0 ? 3 : spec.inMultiplier * ch
            let out = spec.outMultiplier * ch
            let entry = ModuleList()
            let block = try DBlock(inC, out, preactivation: k > 0, downsample: spec.downsample, snEps: config.snEps,
                                   generator: rng)
            entry.append(block)
            dBlocks.append(block)
            if config.discriminatorAttention.contains(spec.width) {
                let attn = try SelfAttention(out, snEps: config.snEps, generator: rng)
                entry.append(attn)
                attention.append(attn)
            } else {
                attention.append(nil)
            }
            list.append(entry)
        }
        self.dBlocks = dBlocks
        self.attention = attention
        widths = arch.discriminator.map(\.width)
    }

    /// Runs every block. Returns the ReLU'd final activation and the features at `levels` (the last
    /// block at a width wins). The official head's in-place ReLU also rewrites the stored deepest feature,
    /// so that one is post-ReLU while shallower ones are pre-activation.
    /// When the deepest width is not wanted (a shallow bottleneck), the blocks after the last wanted
    /// feature do not run: the encoder then has only the downsampling layers it uses.
    func run(_ x: Tensor, levels: Set<Int>) throws -> (activated: Tensor, features: [Int: Tensor]) {
        var h = x
        var features: [Int: Tensor] = [:]
        if let deepest = widths.last, !levels.contains(deepest),
           let last = widths.lastIndex(where: { levels.contains($0) }) {
            for i in 0...last {
                h = try dBlocks[i](h)
                if let attn = attention[i] { h = try attn(h) }
                if levels.contains(widths[i]) { features[widths[i]] = h }
            }
            return (h, features)
        }
        for (i, block) in dBlocks.enumerated() {
            h = try block(h)
            if let attn = attention[i] { h = try attn(h) }
            if levels.contains(widths[i]) { features[widths[i]] = h }
        }
        let activated = try h.relu()
        if let deepest = widths.last, levels.contains(deepest) { features[deepest] = activated }
        return (activated, features)
    }
}

/// BigGAN projection discriminator D (the paper's Psi): logit = linear(h) + <embed(y), h> with
/// h = sum over space of ReLU(features). Also returns the hierarchical features for the
/// reconstruction loss.
public final class Discriminator: Module {
    public let config: ModelConfig
    public let linear: SNLinear
    public let embed: SNEmbedding
    let trunk: DiscriminatorTrunk
    public let featureWidths: [Int]

    public init(config: ModelConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        let arch = try Architecture(resolution: config.resolution)
        trunk = try DiscriminatorTrunk(config: config, arch: arch, rng: rng)
        let top = arch.discriminator[arch.discriminator.count - 1].outMultiplier * config.discriminatorChannels
        linear = try SNLinear(top, 1, eps: config.snEps, generator: rng)
        embed = try SNEmbedding(config.classCount, top, eps: config.snEps, generator: rng)
        featureWidths = arch.fusableWidths
        super.init()
        registerModule("blocks", trunk.list)
        registerModule("linear", linear)
        registerModule("embed", embed)
    }

    /// Logits [N, 1] for images `x` with embedding rows `rows` (i64 [N]), plus features by width.
    public func callAsFunction(_ x: Tensor, rows: Tensor) throws -> (logit: Tensor, features: [Int: Tensor]) {
        let (activated, features) = try trunk.run(x, levels: Set(featureWidths))
        let h = try activated.sum(dims: [2, 3])
        let projection = try (embed(rows) * h).sum(dims: [1], keepDim: true)
        return (try linear(h) + projection, features)
    }
}

/// Encoder E (the paper's Upsilon): D's trunk without its head, returning features at the fusion widths.
/// Official checkpoints of E carry D's unused `linear.*` / `embed.*`; loading ignores them.
public final class Encoder: Module {
    public let config: ModelConfig
    let trunk: DiscriminatorTrunk

    public init(config: ModelConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        trunk = try DiscriminatorTrunk(config: config, arch: try Architecture(resolution: config.resolution), rng: rng)
        super.init()
        registerModule("blocks", trunk.list)
    }

    public func callAsFunction(_ x: Tensor) throws -> [Int: Tensor] {
        guard x.rank == 4, x.size(1) == 3, x.size(2) == config.resolution, x.size(3) == config.resolution else {
            throw ModelError.badInput("images have shape \(x.shape), the encoder expects [N, 3, \(config.resolution), \(config.resolution)]")
        }
        return try trunk.run(x, levels: Set(config.fusionLevels)).features
    }

    /// Keys of a discriminator state dict that the encoder accepts and drops.
    public static func isUnusedHeadKey(_ key: String) -> Bool {
        key.hasPrefix("linear.") || key.hasPrefix("embed.")
    }
}
