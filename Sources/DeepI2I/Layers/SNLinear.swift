import Torch

/// A spectrally normalised linear layer (BigGAN-PyTorch `SNLinear`).
public final class SNLinear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    let sn: SpectralNorm

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, eps: Double = 1e-6,
                generator: RandomGenerator? = nil) throws {
        weight = try RandomInit.orthogonal([outFeatures, inFeatures], generator: generator)
        self.bias = bias ? try Tensor.zeros([outFeatures]) : nil
        sn = try SpectralNorm(weight: weight, outputs: outFeatures, eps: eps, generator: generator)
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
        sn.register(on: self)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.linear(x, weight: sn.normalizedWeight(training: isTraining), bias: bias)
    }
}

/// A spectrally normalised embedding (the projection discriminator's class embedding `embed`).
public final class SNEmbedding: Module {
    public let weight: Tensor
    let sn: SpectralNorm

    public init(_ count: Int, _ dim: Int, eps: Double = 1e-6, generator: RandomGenerator? = nil) throws {
        weight = try RandomInit.orthogonal([count, dim], generator: generator)
        sn = try SpectralNorm(weight: weight, outputs: count, eps: eps, generator: generator)
        super.init()
        try registerParameter("weight", weight)
        sn.register(on: self)
    }

    public func callAsFunction(_ indices: Tensor) throws -> Tensor {
        try Functional.embedding(indices, weight: sn.normalizedWeight(training: isTraining))
    }
}
