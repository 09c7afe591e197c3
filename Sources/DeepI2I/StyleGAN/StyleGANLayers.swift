import Foundation
import Torch

/// The building blocks of rosinality's StyleGAN v1 (DeepI2I_StyleGAN/model.py), with its parameter
/// names: equalized learning rate keeps the raw parameter as `weight_orig` and scales it by
/// sqrt(2 / fan_in) at every forward; fused resampling layers keep a plain `weight`/`bias`.

/// sqrt(2 / fan_in) with fan_in = size(1) * (elements of one kernel), as `EqualLR.compute_weight`.
func equalizedMultiplier(_ weight: Tensor) -> Double {
    let shape = weight.shape
    let fanIn = shape.dropFirst().reduce(1, *)
    return (2.0 / Double(fanIn)).squareRoot()
}

/// A 2-D convolution with equalized learning rate; keys `conv.weight_orig`, `conv.bias`.
public final class EqualConv2d: Module {
    let inner = Module()
    public let weightOrig: Tensor
    public let bias: Tensor
    let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0,
                generator: RandomGenerator? = nil) throws {
        weightOrig = try Tensor.randn([outChannels, inChannels, kernelSize, kernelSize], generator: generator)
        bias = try Tensor.zeros([outChannels])
        self.padding = padding
        super.init()
        try inner.registerParameter("weight_orig", weightOrig)
        try inner.registerParameter("bias", bias)
        registerModule("conv", inner)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: weightOrig * equalizedMultiplier(weightOrig), bias: bias,
                              padding: (padding, padding))
    }
}

/// A linear layer with equalized learning rate; keys `linear.weight_orig`, `linear.bias`.
public final class EqualLinear: Module {
    let inner = Module()
    public let weightOrig: Tensor
    public let bias: Tensor

    public init(_ inFeatures: Int, _ outFeatures: Int, generator: RandomGenerator? = nil) throws {
        weightOrig = try Tensor.randn([outFeatures, inFeatures], generator: generator)
        bias = try Tensor.zeros([outFeatures])
        super.init()
        try inner.registerParameter("weight_orig", weightOrig)
        try inner.registerParameter("bias", bias)
        registerModule("linear", inner)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.linear(x, weight: weightOrig * equalizedMultiplier(weightOrig), bias: bias)
    }
}

/// The [1, 2, 1] x [1, 2, 1] / 16 depthwise blur (buffers `weight`, `weight_flip`; the kernel is
/// symmetric, so the official custom backward equals plain convolution's, to every order).
public final class Blur: Module {
    public let weight: Tensor
    public let weightFlip: Tensor

    public init(_ channels: Int) throws {
        let kernel = try Tensor([Float(1), 2, 1, 2, 4, 2, 1, 2, 1], shape: [1, 1, 3, 3]) / 16
        weight = try kernel.repeated([channels, 1, 1, 1]).contiguous()
        weightFlip = try kernel.flip([2, 3]).repeated([channels, 1, 1, 1]).contiguous()
        super.init()
        registerBuffer("weight", weight)
        registerBuffer("weight_flip", weightFlip)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: weight, padding: (1, 1), groups: x.size(1))
    }
}

/// The (already equalized) 3x3 kernel padded to 4x4 and averaged over its four 3x3 positions, in the
/// official order of terms: a convolution fused with 2x resampling (FusedUpsample / FusedDownsample).
/// Both fused layers use fan_in = in_channels * k * k.
func fusedKernel(_ scaled: Tensor) throws -> Tensor {
    let w = try Functional.pad(scaled, [1, 1, 1, 1])
    let k = w.size(2)
    func part(_ r: Int, _ c: Int) throws -> Tensor {
        try w.narrow(dim: 2, start: r, length: k - 1).narrow(dim: 3, start: c, length: k - 1)
    }
    return try (part(1, 1) + part(0, 1) + part(1, 0) + part(0, 0)) / 4
}

/// Transposed convolution at stride 2 with the averaged kernel (keys `weight` [in, out, k, k], `bias`).
public final class FusedUpsample: Module {
    public let weight: Tensor
    public let bias: Tensor
    let multiplier: Double
    let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0,
                generator: RandomGenerator? = nil) throws {
        weight = try Tensor.randn([inChannels, outChannels, kernelSize, kernelSize], generator: generator)
        bias = try Tensor.zeros([outChannels])
        multiplier = (2.0 / Double(inChannels * kernelSize * kernelSize)).squareRoot()
        self.padding = padding
        super.init()
        try registerParameter("weight", weight)
        try registerParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.convTranspose2d(x, weight: fusedKernel(weight * multiplier), bias: bias, stride: (2, 2),
                                       padding: (padding, padding))
    }
}

/// Convolution at stride 2 with the averaged kernel (keys `weight` [out, in, k, k], `bias`).
public final class FusedDownsample: Module {
    public let weight: Tensor
    public let bias: Tensor
    let multiplier: Double
    let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0,
                generator: RandomGenerator? = nil) throws {
        weight = try Tensor.randn([outChannels, inChannels, kernelSize, kernelSize], generator: generator)
        bias = try Tensor.zeros([outChannels])
        multiplier = (2.0 / Double(inChannels * kernelSize * kernelSize)).squareRoot()
        self.padding = padding
        super.init()
        try registerParameter("weight", weight)
        try registerParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: fusedKernel(weight * multiplier), bias: bias, stride: (2, 2),
                              padding: (padding, padding))
    }
}

/// Adds per-pixel noise scaled per channel (equalized: key `weight_orig` [1, C, 1, 1], zero-initialised).
public final class NoiseInjection: Module {
    public let weightOrig: Tensor

    public init(_ channels: Int) throws {
        weightOrig = try Tensor.zeros([1, channels, 1, 1])
        super.init()
        try registerParameter("weight_orig", weightOrig)
    }

    public func callAsFunction(_ x: Tensor, noise: Tensor) throws -> Tensor {
        try x + weightOrig * equalizedMultiplier(weightOrig) * noise
    }
}

/// The learned 4x4 input of the synthesis network (key `input` [1, C, 4, 4]).
public final class ConstantInput: Module {
    public let input: Tensor

    public init(_ channels: Int, size: Int = 4, generator: RandomGenerator? = nil) throws {
        input = try Tensor.randn([1, channels, size, size], generator: generator)
        super.init()
        try registerParameter("input", input)
    }

    public func callAsFunction(batch: Int) throws -> Tensor { try input.repeated([batch, 1, 1, 1]) }
}

/// AdaIN: instance normalisation, then gamma * x + beta from the style (key `style.linear.*`; the
/// gamma half of the bias starts at 1).
public final class AdaptiveInstanceNorm: Module {
    public let style: EqualLinear
    let channels: Int

    public init(_ channels: Int, styleDim: Int, generator: RandomGenerator? = nil) throws {
        self.channels = channels
        let linear = try EqualLinear(styleDim, 2 * channels, generator: generator)
        try withNoGrad { try linear.bias.narrow(dim: 0, start: 0, length: channels).fill_(1) }
        style = linear
        super.init()
        registerModule("style", style)
    }

    public func callAsFunction(_ x: Tensor, style w: Tensor) throws -> Tensor {
        let s = try style(w).unsqueeze(dim: 2).unsqueeze(dim: 3)
        let gamma = try s.narrow(dim: 1, start: 0, length: channels)
        let beta = try s.narrow(dim: 1, start: channels, length: channels)
        return try gamma * instanceNorm(x) + beta
    }
}

/// nn.InstanceNorm2d (no affine, no running statistics, eps 1e-5) computed as libtorch does: batch
/// normalisation of the [1, B*C, H, W] view, so the numbers (and higher derivatives) are the same.
func instanceNorm(_ x: Tensor, eps: Double = 1e-5) throws -> Tensor {
    let s = x.shape
    let flat = try x.reshape([1, s[0] * s[1], s[2], s[3]])
    return try Functional.batchNorm(flat, runningMean: nil, runningVar: nil, training: true, eps: eps).reshape(s)
}

/// PixelNorm: x / sqrt(mean(x^2 over features) + 1e-8).
func pixelNorm(_ x: Tensor) throws -> Tensor {
    try x / (x.square().mean(dims: [1], keepDim: true) + 1e-8).sqrt()
}

/// LeakyReLU(0.2), the activation everywhere in StyleGAN.
@inline(__always)
func lrelu(_ x: Tensor) throws -> Tensor { try x.leakyRelu(slope: 0.2) }
