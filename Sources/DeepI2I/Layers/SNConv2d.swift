import Torch

/// A spectrally normalised 2-D convolution (BigGAN-PyTorch `SNConv2d`): keys `weight`, `bias`, `u0`, `sv0`.
public final class SNConv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    let sn: SpectralNorm
    let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, padding: Int = 1, bias: Bool = true,
                eps: Double = 1e-6, generator: RandomGenerator? = nil) throws {
        weight = try RandomInit.orthogonal([outChannels, inChannels, kernelSize, kernelSize], generator: generator)
        self.bias = bias ? try Tensor.zeros([outChannels]) : nil
        self.padding = padding
        sn = try SpectralNorm(weight: weight, outputs: outChannels, eps: eps, generator: generator)
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
        sn.register(on: self)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: sn.normalizedWeight(training: isTraining), bias: bias,
                              padding: (padding, padding))
    }
}
