import Torch

/// BigGAN generator G (the paper's Phi) with DeepI2I's fusion: adaptor outputs are added, times w_l,
/// right after the reshape (width 4) and after each block whose output width is a fusion level.
/// G takes class *embedding vectors*, not labels, so embeddings can be interpolated (morphing).
public final class Generator: Module {
    public let config: ModelConfig
    public let shared: Embedding
    public let linear: SNLinear
    public let blocks = ModuleList()
    public let outputBN: StoredBatchNorm
    public let outputConv: SNConv2d
    let gBlocks: [GBlock]
    let attention: [SelfAttention?]
    let arch: Architecture

    public var zChunk: Int { config.hierarchicalZ ? config.dimZ / (arch.generator.count + 1) : config.dimZ }

    public init(config: ModelConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        arch = try Architecture(resolution: config.resolution)
        let ch = config.generatorChannels
        let zChunk = config.hierarchicalZ ? config.dimZ / (arch.generator.count + 1) : config.dimZ
        let conditionDim = config.sharedDim + (config.hierarchicalZ ? zChunk : 0)
        shared = try Embedding(config.classCount, config.sharedDim, generator: rng)
        if !RandomInit.isSkipped { try shared.weight.orthogonal_(generator: rng) }
        linear = try SNLinear(zChunk, arch.generator[0].inMultiplier * ch * arch.bottomWidth * arch.bottomWidth,
                              eps: config.snEps, generator: rng)
        var gBlocks: [GBlock] = []
        var attention: [SelfAttention?] = []
        for spec in arch.generator {
            let out = spec.outMultiplier * ch
            let list = ModuleList()
            let block = try GBlock(spec.inMultiplier * ch, out, conditionDim: conditionDim, bnEps: config.bnEps,
                                   snEps: config.snEps, generator: rng)
            list.append(block)
            gBlocks.append(block)
            if config.generatorAttention.contains(spec.width) {
                let attn = try SelfAttention(out, snEps: config.snEps, generator: rng)
                list.append(attn)
                attention.append(attn)
            } else {
                attention.append(nil)
            }
            blocks.append(list)
        }
        self.gBlocks = gBlocks
        self.attention = attention
        let last = arch.generator[arch.generator.count - 1].outMultiplier * ch
        outputBN = try StoredBatchNorm(last, eps: config.bnEps)
        outputConv = try SNConv2d(last, 3, eps: config.snEps, generator: rng)
        super.init()
        registerModule("shared", shared)
        registerModule("linear", linear)
        registerModule("blocks", blocks)
        let output = ModuleList()
        output.append(outputBN, at: 0)
        output.append(outputConv, at: 2) // index 1 is the parameter-free ReLU
        registerModule("output_layer", output)
    }

    /// The shared class embedding of dataset classes (rows mapped through `config.classRows`).
    public func classEmbedding(_ classes: [Int]) throws -> Tensor {
        let rows = classes.map { Int64(config.embeddingRow(forClass: $0)) }
        let index = try Tensor(rows, device: shared.weight.device)
        return try shared(index)
    }

    /// G(z, e, A(E(x))). `fused` maps a feature width to the adaptor output added at that width; nil or
    /// empty gives a plain BigGAN generator.
    public func callAsFunction(z: Tensor, embedding: Tensor, fused: [Int: Tensor]? = nil) throws -> Tensor {
        let batch = z.size(0)
        guard z.size(1) == config.dimZ else {
            throw ModelError.badInput("z has \(z.size(1)) dimensions, the generator expects \(config.dimZ)")
        }
        guard embedding.size(0) == batch, embedding.size(1) == config.sharedDim else {
            throw ModelError.badInput("class embedding has shape \(embedding.shape), expected [\(batch), \(config.sharedDim)]")
        }
        let conditions: [Tensor]
        var h: Tensor
        if config.hierarchicalZ {
            let zs = try z.split(size: zChunk, dim: 1)
            conditions = try zs.dropFirst().map { try Tensor.cat([embedding, $0], dim: 1) }
            h = try linear(zs[0])
        } else {
            conditions = Array(repeating: embedding, count: gBlocks.count)
            h = try linear(z)
        }
        h = try h.view([batch, -1, arch.bottomWidth, arch.bottomWidth])
        h = try fuse(h, width: arch.bottomWidth, fused)
        for (i, block) in gBlocks.enumerated() {
            h = try block(h, condition: conditions[i])
            if let attn = attention[i] { h = try attn(h) }
            h = try fuse(h, width: arch.generator[i].width, fused)
        }
        return try outputConv(outputBN(h).reluOfTemporary()).tanh()
    }

    private func fuse(_ h: Tensor, width: Int, _ fused: [Int: Tensor]?) throws -> Tensor {
        guard let f = fused?[width], config.fusionLevels.contains(width) else { return h }
        let w = config.fusionWeight(width: width)
        return w == 0 ? h : try h.adding(f, alpha: w)
    }
}
