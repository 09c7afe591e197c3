import Foundation
import Torch

/// StyleGAN v1's generator as DeepI2I_StyleGAN/model.py builds it: a mapping network (`style.*`) and a
/// synthesis network (`generator.*`) of nine styled blocks for widths 4..1024, with DeepI2I's fusion of
/// adapted encoder features after each block whose width is a fusion width.

/// One styled block: (constant input | [nearest 2x, conv, blur] | [fused up-conv, blur] | conv), then
/// noise, LeakyReLU, AdaIN; conv, noise, LeakyReLU, AdaIN. Both noise injections use the same noise.
public final class StyledConvBlock: Module {
    enum First {
        case constant(ConstantInput)
        case upsample(EqualConv2d, Blur)
        case fusedUpsample(FusedUpsample, Blur)
    }
    let first: First
    public let noise1: NoiseInjection, noise2: NoiseInjection
    public let adain1: AdaptiveInstanceNorm, adain2: AdaptiveInstanceNorm
    public let conv2: EqualConv2d

    init(_ inChannels: Int, _ outChannels: Int, styleDim: Int, initial: Bool, fused: Bool,
         generator rng: RandomGenerator?) throws {
        let conv1 = ModuleList()
        if initial {
            first = .constant(try ConstantInput(inChannels, generator: rng))
        } else if fused {
            let up = try FusedUpsample(inChannels, outChannels, kernelSize: 3, padding: 1, generator: rng)
            let blur = try Blur(outChannels)
            conv1.append(up, at: 0)
            conv1.append(blur, at: 1)
            first = .fusedUpsample(up, blur)
        } else {
            let conv = try EqualConv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: rng)
            let blur = try Blur(outChannels)
            conv1.append(conv, at: 1)  // index 0 is the parameterless nn.Upsample
            conv1.append(blur, at: 2)
            first = .upsample(conv, blur)
        }
        noise1 = try NoiseInjection(outChannels)
        adain1 = try AdaptiveInstanceNorm(outChannels, styleDim: styleDim, generator: rng)
        conv2 = try EqualConv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: rng)
        noise2 = try NoiseInjection(outChannels)
        adain2 = try AdaptiveInstanceNorm(outChannels, styleDim: styleDim, generator: rng)
        super.init()
        if case .constant(let c) = first { registerModule("conv1", c) } else { registerModule("conv1", conv1) }
        registerModule("noise1", noise1)
        registerModule("adain1", adain1)
        registerModule("conv2", conv2)
        registerModule("noise2", noise2)
        registerModule("adain2", adain2)
    }

    func callAsFunction(_ x: Tensor, style: Tensor, noise: Tensor) throws -> Tensor {
        var out: Tensor
        switch first {
        case .constant(let c): out = try c(batch: style.size(0))
        case .upsample(let conv, let blur): out = try blur(conv(Functional.upsampleNearest(x, scale: 2)))
        case .fusedUpsample(let up, let blur): out = try blur(up(x))
        }
        out = try adain1(lrelu(noise1(out, noise: noise)), style: style)
        out = try conv2(out)
        return try adain2(lrelu(noise2(out, noise: noise)), style: style)
    }
}

/// How several styles are spread over the blocks.
public enum StyleMixing: Sendable, Equatable {
    /// Blocks inside the range use styles[1], the others styles[0] (model.py's `mixing_range`).
    case range(ClosedRange<Int>)
    /// Blocks after crossover point k (sorted) switch to the next style (the official random mixing;
    /// points are drawn from 0..<step).
    case crossovers([Int])
}

/// The synthesis network (`generator.progression.N`, `generator.to_rgb.N`).
public final class SynthesisNetwork: Module {
    public let progression = ModuleList()
    public let toRGBList = ModuleList()
    let blocks: [StyledConvBlock]
    let toRGB: [EqualConv2d]

    init(config: StyleGANConfig, generator rng: RandomGenerator?) throws {
        var blocks: [StyledConvBlock] = [], toRGB: [EqualConv2d] = []
        for i in 0..<StyleGANConfig.blockCount {
            let outC = config.generatorChannels(block: i)
            let inC = i == 0 ? outC : config.generatorChannels(block: i - 1)
            let fused = config.fused && i >= StyleGANConfig.fusedFromGeneratorBlock
            let block = try StyledConvBlock(inC, outC, styleDim: config.codeDim, initial: i == 0, fused: fused, generator: rng)
            let rgb = try EqualConv2d(outC, 3, kernelSize: 1, generator: rng)
            progression.append(block)
            toRGBList.append(rgb)
            blocks.append(block)
            toRGB.append(rgb)
        }
        self.blocks = blocks
        self.toRGB = toRGB
        super.init()
        registerModule("progression", progression)
        registerModule("to_rgb", toRGBList)
    }

    /// Generator.forward: `styles` (one or more [B, codeDim]), `noise[i]` [B, 1, 4*2^i, 4*2^i] for
    /// i in 0...step; `fused[w]` is added with weight `fusionWeights[w]` after the block of width w.
    func callAsFunction(styles: [Tensor], noise: [Tensor], step: Int, alpha: Double, mixing: StyleMixing?,
                        fused: [Int: Tensor]?, fusionWeights: [Int: Double]) throws -> Tensor {
        guard noise.count > step else {
            throw ModelError.badInput("StyleGAN step \(step) needs \(step + 1) noise tensors, got \(noise.count)")
        }
        var out = noise[0]
        var previous: Tensor?
        var crossover = 0
        for i in 0...step {
            let styleIndex: Int
            switch mixing {
            case .range(let r)?: styleIndex = r.contains(i) ? 1 : 0
            case .crossovers(let points)?:
                if crossover < points.count, i > points[crossover] { crossover = Swift.min(crossover + 1, styles.count) }
                styleIndex = crossover
            case nil: styleIndex = 0
            }
            guard styleIndex < styles.count else {
                throw ModelError.badInput("style mixing needs style \(styleIndex) but \(styles.count) were given")
            }
            if i > 0 { previous = out }
            out = try blocks[i](out, style: styles[styleIndex], noise: noise[i])
            let width = 4 << i
            if let f = fused?[width], let w = fusionWeights[width], w != 0 {
                out = try out + f * w
            }
            if i == step {
                var rgb = try toRGB[i](out)
                if i > 0, alpha >= 0, alpha < 1, let previous {
                    let skip = try Functional.upsampleNearest(toRGB[i - 1](previous), scale: 2)
                    rgb = try skip * (1 - alpha) + rgb * alpha
                }
                return rgb
            }
        }
        return out
    }
}

/// StyledGenerator: mapping network `style` (PixelNorm, then [EqualLinear, LeakyReLU] x n_mlp, the
/// linears at indices 1, 3, ..., 2n-1) and the synthesis network `generator`.
public final class StyledGenerator: Module {
    public let config: StyleGANConfig
    public let generator: SynthesisNetwork
    public let style = ModuleList()
    let mapping: [EqualLinear]

    public init(config: StyleGANConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        generator = try SynthesisNetwork(config: config, generator: rng)
        var mapping: [EqualLinear] = []
        for i in 0..<config.mappingLayers {
            let linear = try EqualLinear(config.codeDim, config.codeDim, generator: rng)
            style.append(linear, at: 2 * i + 1)
            mapping.append(linear)
        }
        self.mapping = mapping
        super.init()
        registerModule("generator", generator)
        registerModule("style", style)
    }

    /// The mapping network's parameters (trained at lr x 0.01 officially).
    public var mappingParameters: [Tensor] { style.parameters() }

    /// z [B, codeDim] -> style w [B, codeDim].
    public func mapStyle(_ z: Tensor) throws -> Tensor {
        try mapping.reduce(try pixelNorm(z)) { try lrelu($1($0)) }
    }

    /// The mean style over a batch of z, [1, codeDim] (the truncation centre).
    public func meanStyle(_ z: Tensor) throws -> Tensor { try mapStyle(z).mean(dims: [0], keepDim: true) }

    /// Per-block noise for widths 4..4*2^step, drawn from `rng`.
    public func randomNoise(batch: Int, step: Int, generator rng: RandomGenerator? = nil,
                            device: Device = .cpu) throws -> [Tensor] {
        try (0...step).map { i in try Tensor.randn([batch, 1, 4 << i, 4 << i], generator: rng, device: device) }
    }

    /// StyledGenerator.forward. `z`: one latent batch, or several for style mixing. `truncation`:
    /// (mean style, weight) gives mean + weight * (style - mean). `fused`: A(E(x)) by width.
    public func callAsFunction(z: [Tensor], noise: [Tensor]? = nil, step: Int? = nil, alpha: Double = -1,
                               truncation: (meanStyle: Tensor, weight: Double)? = nil, mixing: StyleMixing? = nil,
                               fused: [Int: Tensor]? = nil, generator rng: RandomGenerator? = nil) throws -> Tensor {
        guard let first = z.first else { throw ModelError.badInput("StyledGenerator needs at least one z") }
        let step = step ?? config.step
        guard (0..<StyleGANConfig.blockCount).contains(step) else {
            throw ModelError.badInput("StyleGAN step \(step) is outside 0...\(StyleGANConfig.blockCount - 1)")
        }
        var styles = try z.map(mapStyle)
        if let (mean, weight) = truncation {
            styles = try styles.map { try mean + (try $0 - mean) * weight }
        }
        let noise = try noise ?? randomNoise(batch: first.size(0), step: step, generator: rng, device: first.device)
        return try generator(styles: styles, noise: noise, step: step, alpha: alpha, mixing: mixing, fused: fused,
                             fusionWeights: config.fusionWeights)
    }
}
