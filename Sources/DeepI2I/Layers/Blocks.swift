import Torch

/// BigGAN's up-block: cBN1 -> ReLU -> nearest x2 -> SNConv3x3 -> cBN2 -> ReLU -> SNConv3x3, plus an
/// upsampled SNConv1x1 shortcut.
public final class GBlock: Module {
    public let bn1: ConditionalBatchNorm
    public let conv1: SNConv2d
    public let bn2: ConditionalBatchNorm
    public let conv2: SNConv2d
    public let convSC: SNConv2d?

    public init(_ inChannels: Int, _ outChannels: Int, conditionDim: Int, bnEps: Double, snEps: Double,
                generator: RandomGenerator?) throws {
        bn1 = try ConditionalBatchNorm(inChannels, conditionDim: conditionDim, eps: bnEps, snEps: snEps, generator: generator)
        conv1 = try SNConv2d(inChannels, outChannels, eps: snEps, generator: generator)
        bn2 = try ConditionalBatchNorm(outChannels, conditionDim: conditionDim, eps: bnEps, snEps: snEps, generator: generator)
        conv2 = try SNConv2d(outChannels, outChannels, eps: snEps, generator: generator)
        // Always learnable here: every BigGAN G block upsamples.
        convSC = try SNConv2d(inChannels, outChannels, kernelSize: 1, padding: 0, eps: snEps, generator: generator)
        super.init()
        registerModule("conv1", conv1)
        registerModule("conv2", conv2)
        if let convSC { registerModule("conv_sc", convSC) }
        registerModule("bn1", bn1)
        registerModule("bn2", bn2)
    }

    public func callAsFunction(_ x: Tensor, condition c: Tensor) throws -> Tensor {
        var h = try bn1(x, condition: c).reluOfTemporary()
        h = try Functional.upsampleNearest(h, scale: 2)
        h = try conv1(h)
        h = try conv2(bn2(h, condition: c).reluOfTemporary())
        return try h.addingToTemporary(shortcut(x))
    }

    /// convSC(upsample(x)). A 1x1 convolution commutes with nearest upsampling, so inference computes
    /// upsample(convSC(x)): a quarter of the shortcut's FLOPs and an upsample of out instead of in
    /// channels (equal within float rounding). Training keeps the official order.
    private func shortcut(_ x: Tensor) throws -> Tensor {
        guard let convSC else { return try Functional.upsampleNearest(x, scale: 2) }
        if InferenceSpeedups.inPlace && !isTraining {
            return try Functional.upsampleNearest(convSC(x), scale: 2)
        }
        return try convSC(Functional.upsampleNearest(x, scale: 2))
    }
}

/// BigGAN's down-block: (ReLU unless first) -> SNConv3x3 -> ReLU -> SNConv3x3 -> AvgPool2, with an
/// SNConv1x1 shortcut where channels change or it downsamples. Pre-activated blocks convolve the
/// shortcut before pooling; the first block pools first. Also the adaptor's sub-block (no pooling).
public final class DBlock: Module {
    public let conv1: SNConv2d
    public let conv2: SNConv2d
    public let convSC: SNConv2d?
    let preactivation: Bool
    let downsample: Bool

    public init(_ inChannels: Int, _ outChannels: Int, preactivation: Bool, downsample: Bool, snEps: Double,
                generator: RandomGenerator?) throws {
        conv1 = try SNConv2d(inChannels, outChannels, eps: snEps, generator: generator)
        conv2 = try SNConv2d(outChannels, outChannels, eps: snEps, generator: generator)
        let learnable = inChannels != outChannels || downsample
        convSC = learnable ? try SNConv2d(inChannels, outChannels, kernelSize: 1, padding: 0, eps: snEps, generator: generator) : nil
        self.preactivation = preactivation
        self.downsample = downsample
        super.init()
        registerModule("conv1", conv1)
        registerModule("conv2", conv2)
        if let convSC { registerModule("conv_sc", convSC) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = preactivation ? try x.relu() : x
        h = try conv2(conv1(h).reluOfTemporary())
        if downsample { h = try Functional.avgPool2d(h, kernel: (2, 2)) }
        return try h.addingToTemporary(shortcut(x))
    }

    private func shortcut(_ x: Tensor) throws -> Tensor {
        var s = x
        if preactivation {
            if let convSC { s = try convSC(s) }
            if downsample { s = try Functional.avgPool2d(s, kernel: (2, 2)) }
        } else {
            if downsample { s = try Functional.avgPool2d(s, kernel: (2, 2)) }
            if let convSC { s = try convSC(s) }
        }
        return s
    }
}
