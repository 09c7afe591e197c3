import Foundation
import Torch

/// StyleGAN v1's discriminator as DeepI2I_StyleGAN/model.py builds it; DeepI2I's encoder E is the same
/// network, returning the features after each block whose output width is a fusion width.

/// ConvBlock: [conv, LeakyReLU] then one of [blur, fused down-conv, LeakyReLU] /
/// [blur, conv, avgpool 2, LeakyReLU] / [conv, LeakyReLU]. Keys `conv1.0.conv.*` and `conv2.N...`.
public final class StyleGANConvBlock: Module {
    enum Second {
        case fusedDownsample(Blur, FusedDownsample)
        case downsample(Blur, EqualConv2d)
        case plain(EqualConv2d)
    }
    public let conv1: EqualConv2d
    let second: Second

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, padding: Int = 1, kernelSize2: Int? = nil,
         padding2: Int? = nil, downsample: Bool = false, fused: Bool = false, generator rng: RandomGenerator?) throws {
        let k2 = kernelSize2 ?? kernelSize, p2 = padding2 ?? padding
        conv1 = try EqualConv2d(inChannels, outChannels, kernelSize: kernelSize, padding: padding, generator: rng)
        let c1 = ModuleList(), c2 = ModuleList()
        c1.append(conv1, at: 0)
        if downsample {
            let blur = try Blur(outChannels)
            c2.append(blur, at: 0)
            if fused {
                let down = try FusedDownsample(outChannels, outChannels, kernelSize: k2, padding: p2, generator: rng)
                c2.append(down, at: 1)
                second = .fusedDownsample(blur, down)
            } else {
                let conv = try EqualConv2d(outChannels, outChannels, kernelSize: k2, padding: p2, generator: rng)
                c2.append(conv, at: 1)
                second = .downsample(blur, conv)
            }
        } else {
            let conv = try EqualConv2d(outChannels, outChannels, kernelSize: k2, padding: p2, generator: rng)
            c2.append(conv, at: 0)
            second = .plain(conv)
        }
        super.init()
        registerModule("conv1", c1)
        registerModule("conv2", c2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let out = try lrelu(conv1(x))
        switch second {
        case .fusedDownsample(let blur, let down): return try lrelu(down(blur(out)))
        case .downsample(let blur, let conv): return try lrelu(Functional.avgPool2d(conv(blur(out)), kernel: (2, 2)))
        case .plain(let conv): return try lrelu(conv(out))
        }
    }
}

/// Discriminator (and encoder): `from_rgb.N` (1x1 conv, LeakyReLU when `fromRGBActivate`),
/// `progression.N` for input widths 1024..8 and the final 4x4 block after minibatch stddev, `linear`.
public final class StyleGANDiscriminator: Module {
    public let config: StyleGANConfig
    public let progression = ModuleList()
    public let fromRGBList = ModuleList()
    public let linear: EqualLinear
    let blocks: [StyleGANConvBlock]
    let fromRGB: [EqualConv2d]

    public init(config: StyleGANConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        var blocks: [StyleGANConvBlock] = [], fromRGB: [EqualConv2d] = []
        let n = StyleGANConfig.blockCount
        for i in 0..<n {
            let (inC, outC) = config.discriminatorChannels(block: i)
            let block: StyleGANConvBlock
            if i == n - 1 {
                block = try StyleGANConvBlock(inC, outC, kernelSize: 3, padding: 1, kernelSize2: 4, padding2: 0, generator: rng)
            } else {
                block = try StyleGANConvBlock(inC, outC, downsample: true,
                                              fused: config.fused && i < StyleGANConfig.fusedBelowDiscriminatorBlock,
                                              generator: rng)
            }
            // from_rgb feeds block i: its output channels are block i's input (without the stddev channel).
            let rgbOut = config.discriminatorChannels(block: i).0 - (i == n - 1 ? 1 : 0)
            let rgb = try EqualConv2d(3, rgbOut, kernelSize: 1, generator: rng)
            if config.fromRGBActivate {
                let seq = ModuleList()
                seq.append(rgb, at: 0)
                fromRGBList.append(seq)
            } else {
                fromRGBList.append(rgb)
            }
            progression.append(block)
            blocks.append(block)
            fromRGB.append(rgb)
        }
        linear = try EqualLinear(config.channels(512), 1, generator: rng)
        self.blocks = blocks
        self.fromRGB = fromRGB
        super.init()
        registerModule("progression", progression)
        registerModule("from_rgb", fromRGBList)
        registerModule("linear", linear)
    }

    private func rgbIn(_ index: Int, _ x: Tensor) throws -> Tensor {
        let out = try fromRGB[index](x)
        return config.fromRGBActivate ? try lrelu(out) : out
    }

    /// Discriminator.forward at `step` (input width 4 * 2^step): the logit [B, 1] and the features after
    /// every block whose output width is a fusion width (DeepI2I's E1_output_feat).
    public func callAsFunction(_ x: Tensor, step: Int? = nil, alpha: Double = -1) throws
        -> (logit: Tensor, features: [Int: Tensor]) {
        let step = step ?? config.step
        let n = StyleGANConfig.blockCount
        guard (0..<n).contains(step) else {
            throw ModelError.badInput("StyleGAN step \(step) is outside 0...\(n - 1)")
        }
        guard x.rank == 4, x.size(1) == 3, x.size(2) == 4 << step, x.size(3) == 4 << step else {
            throw ModelError.badInput("StyleGAN discriminator at step \(step) needs [B, 3, \(4 << step), \(4 << step)] images, got \(x.shape)")
        }
        var features: [Int: Tensor] = [:]
        var out = x
        for i in stride(from: step, through: 0, by: -1) {
            let index = n - i - 1
            if i == step { out = try rgbIn(index, x) }
            if i == 0 {
                let std = try (out.variance(dims: [0], unbiased: false) + 1e-8).sqrt()
                let meanStd = try std.mean().expand([out.size(0), 1, 4, 4])
                out = try Tensor.cat([out, meanStd], dim: 1)
            }
            out = try blocks[index](out)
            if i > 0, i == step, alpha >= 0, alpha < 1 {
                let skip = try rgbIn(index + 1, Functional.avgPool2d(x, kernel: (2, 2)))
                out = try skip * (1 - alpha) + out * alpha
            }
            let width = StyleGANConfig.discriminatorOutputWidth(block: index)
            if i > 0, StyleGANConfig.fusionWidths.contains(width) { features[width] = out }
        }
        let logit = try linear(out.squeeze(dim: 3).squeeze(dim: 2))
        return (logit, features)
    }
}

/// The Alignment adaptor: per fusion width a ConvBlock without resampling mapping E's channels to G's
/// (`progression.0` at width 64, then 32, 16, 8, 4).
public final class StyleGANAlignment: Module {
    public let config: StyleGANConfig
    public let progression = ModuleList()
    let blocks: [(width: Int, block: StyleGANConvBlock)]

    public init(config: StyleGANConfig, generator rng: RandomGenerator? = nil) throws {
        try config.validate()
        self.config = config
        var blocks: [(Int, StyleGANConvBlock)] = []
        for width in StyleGANConfig.fusionWidths {
            let c = config.channels(width == 64 ? 256 : 512)
            let block = try StyleGANConvBlock(c, c, generator: rng)
            progression.append(block)
            blocks.append((width, block))
        }
        self.blocks = blocks
        super.init()
        registerModule("progression", progression)
    }

    public func callAsFunction(_ features: [Int: Tensor]) throws -> [Int: Tensor] {
        // Below 128 px the encoder has no feature at the widest fusion widths (its input width and up):
        // those blocks are skipped, and G gets nothing added there.
        var out: [Int: Tensor] = [:]
        for (width, block) in blocks {
            guard let f = features[width] else { continue }
            out[width] = try block(f)
        }
        guard !out.isEmpty else { throw ModelError.badInput("encoder produced no feature at any fusion width") }
        return out
    }
}
