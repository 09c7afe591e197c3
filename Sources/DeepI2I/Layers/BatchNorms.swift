import Torch

/// Class-conditional batch norm (BigGAN-PyTorch `ccbn`): normalise without affine parameters, then
/// scale by (1 + W_gain c) and shift by W_bias c, where c is the block's condition (shared class
/// embedding concatenated with its z chunk). Running statistics are `stored_mean` / `stored_var`.
public final class ConditionalBatchNorm: Module {
    public let gain: SNLinear
    public let bias: SNLinear
    public let storedMean: Tensor
    public let storedVar: Tensor
    let eps: Double
    let momentum = 0.1
    /// Data parallel with cross-replica statistics (BigGAN's `cross_replica`): training batches are
    /// normalised over every rank's batch.
    public var crossReplica: ProcessGroup?

    public init(_ channels: Int, conditionDim: Int, eps: Double = 1e-5, snEps: Double = 1e-6,
                generator: RandomGenerator? = nil) throws {
        gain = try SNLinear(conditionDim, channels, bias: false, eps: snEps, generator: generator)
        bias = try SNLinear(conditionDim, channels, bias: false, eps: snEps, generator: generator)
        storedMean = try Tensor.zeros([channels])
        storedVar = try Tensor.ones([channels])
        self.eps = eps
        super.init()
        registerModule("gain", gain)
        registerModule("bias", bias)
        registerBuffer("stored_mean", storedMean)
        registerBuffer("stored_var", storedVar)
    }

    public func callAsFunction(_ x: Tensor, condition c: Tensor) throws -> Tensor {
        let batch = c.size(0)
        let scale = try (gain(c) + 1).view([batch, -1, 1, 1])
        let shift = try bias(c).view([batch, -1, 1, 1])
        // Statistics in float32 also under autocast (mixed precision).
        let normalized = try Autocast.disabled { () throws -> Tensor in
            if let crossReplica, isTraining {
                return try CrossReplicaBatchNorm.normalize(x.float32(), runningMean: storedMean, runningVar: storedVar,
                                                           momentum: momentum, eps: eps, group: crossReplica)
            }
            return try Functional.batchNorm(x.float32(), runningMean: storedMean, runningVar: storedVar,
                                            training: isTraining, momentum: momentum, eps: eps)
        }
        return try normalized.multiplyingTemporary(by: scale).addingToTemporary(shift)
    }
}

/// BigGAN-PyTorch's plain batch norm (`layers.bn`): affine `gain` / `bias` with stored statistics.
public final class StoredBatchNorm: Module {
    public let gain: Tensor
    public let bias: Tensor
    public let storedMean: Tensor
    public let storedVar: Tensor
    let eps: Double
    let momentum = 0.1
    /// Data parallel with cross-replica statistics (see `ConditionalBatchNorm.crossReplica`).
    public var crossReplica: ProcessGroup?

    public init(_ channels: Int, eps: Double = 1e-5) throws {
        gain = try Tensor.ones([channels])
        bias = try Tensor.zeros([channels])
        storedMean = try Tensor.zeros([channels])
        storedVar = try Tensor.ones([channels])
        self.eps = eps
        super.init()
        try registerParameter("gain", gain)
        try registerParameter("bias", bias)
        registerBuffer("stored_mean", storedMean)
        registerBuffer("stored_var", storedVar)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        // Statistics in float32 also under autocast (mixed precision).
        try Autocast.disabled {
            if let crossReplica, isTraining {
                let normalized = try CrossReplicaBatchNorm.normalize(x.float32(), runningMean: storedMean, runningVar: storedVar,
                                                                     momentum: momentum, eps: eps, group: crossReplica)
                return try normalized * gain.view([1, -1, 1, 1]) + bias.view([1, -1, 1, 1])
            }
            return try Functional.batchNorm(x.float32(), runningMean: storedMean, runningVar: storedVar, weight: gain, bias: bias,
                                            training: isTraining, momentum: momentum, eps: eps)
        }
    }
}
