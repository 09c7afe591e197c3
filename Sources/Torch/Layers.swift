import Foundation

// Plain nn layers with PyTorch's parameter names and default initialisation.

/// Uniform(-b, b) with b = 1/sqrt(fanIn): PyTorch's default for Linear/Conv biases and
/// (with kaiming_uniform(a=sqrt(5))) the same bound for their weights.
func defaultInit(_ shape: [Int], fanIn: Int, generator: RandomGenerator?) throws -> Tensor {
    let bound = 1.0 / Foundation.sqrt(Double(max(1, fanIn)))
    return try Tensor.empty(shape).uniform_(from: -bound, to: bound, generator: generator)
}

public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: RandomGenerator? = nil) throws {
        weight = try defaultInit([outFeatures, inFeatures], fanIn: inFeatures, generator: generator)
        self.bias = bias ? try defaultInit([outFeatures], fanIn: inFeatures, generator: generator) : nil
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.linear(x, weight: weight, bias: bias)
    }
}

public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: RandomGenerator? = nil) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw TorchError("Conv2d", "channels \(inChannels)->\(outChannels) are not divisible by groups \(groups)")
        }
        let fanIn = inChannels / groups * kernelSize * kernelSize
        weight = try defaultInit([outChannels, inChannels / groups, kernelSize, kernelSize], fanIn: fanIn, generator: generator)
        self.bias = bias ? try defaultInit([outChannels], fanIn: fanIn, generator: generator) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.groups = groups
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Functional.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

public final class BatchNorm2d: Module {
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Tensor
    public let runningVar: Tensor
    public let numBatchesTracked: Tensor
    public let momentum: Double
    public let eps: Double

    public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true) throws {
        weight = affine ? try Tensor.ones([features]) : nil
        bias = affine ? try Tensor.zeros([features]) : nil
        runningMean = try Tensor.zeros([features])
        runningVar = try Tensor.ones([features])
        numBatchesTracked = try Tensor.zeros([], dtype: .i64)
        self.momentum = momentum
        self.eps = eps
        super.init()
        if let weight, let bias {
            try registerParameter("weight", weight)
            try registerParameter("bias", bias)
        }
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", numBatchesTracked)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if isTraining { try numBatchesTracked += 1 }
        return try Functional.batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                                        training: isTraining, momentum: momentum, eps: eps)
    }
}

public final class Embedding: Module {
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int, generator: RandomGenerator? = nil) throws {
        weight = try Tensor.randn([count, dim], generator: generator)
        super.init()
        try registerParameter("weight", weight)
    }

    public func callAsFunction(_ indices: Tensor) throws -> Tensor {
        try Functional.embedding(indices, weight: weight)
    }
}

/// Applies child modules in order; children are named "0", "1", ... like nn.Sequential.
public final class Sequential: Module {
    public private(set) var layers: [(Tensor) throws -> Tensor] = []

    public override init() { super.init() }

    @discardableResult
    public func append<M: Module>(_ module: M, _ apply: @escaping (M, Tensor) throws -> Tensor) -> M {
        registerModule(String(layers.count), module)
        layers.append { [unowned module] x in try apply(module, x) }
        return module
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try $1($0) }
    }
}

/// An indexable list of modules named "0", "1", ... (nn.ModuleList); entries may be nil to keep indices
/// (and so checkpoint keys) stable when some are left out.
public final class ModuleList: Module {
    public override init() { super.init() }

    public func append(_ module: Module, at index: Int? = nil) {
        registerModule(String(index ?? children.count), module)
    }
}
