import CTorch

/// Padding modes for `Functional.pad` (`ct_pad_mode` in ctorch.h).
public enum PadMode: Sendable {
    case constant, reflect, replicate

    var code: ct_pad_mode {
        switch self {
        case .constant: return CT_PAD_CONSTANT
        case .reflect: return CT_PAD_REFLECT
        case .replicate: return CT_PAD_REPLICATE
        }
    }
}

/// Loss reductions (`ct_reduction` in ctorch.h).
public enum Reduction: Sendable {
    case none, mean, sum

    var code: ct_reduction {
        switch self {
        case .none: return CT_REDUCTION_NONE
        case .mean: return CT_REDUCTION_MEAN
        case .sum: return CT_REDUCTION_SUM
        }
    }
}

/// Neural-network functions (torch.nn.functional). Optional tensors may be nil.
public enum Functional {
    @inline(__always)
    static func pair(_ v: (Int, Int)) -> [Int64] { [Int64(v.0), Int64(v.1)] }

    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        let s = pair(stride), p = pair(padding), d = pair(dilation)
        return try withExtendedLifetime(bias) {
            try Tensor.wrap("conv2d", ct_conv2d(x.handle, weight.handle, bias?.handle, s, p, d, Int64(groups)))
        }
    }

    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                       padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                                       groups: Int = 1, dilation: (Int, Int) = (1, 1)) throws -> Tensor {
        let s = pair(stride), p = pair(padding), o = pair(outputPadding), d = pair(dilation)
        return try withExtendedLifetime(bias) {
            try Tensor.wrap("convTranspose2d", ct_conv_transpose2d(x.handle, weight.handle, bias?.handle, s, p, o, Int64(groups), d))
        }
    }

    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        try withExtendedLifetime(bias) { try Tensor.wrap("linear", ct_linear(x.handle, weight.handle, bias?.handle)) }
    }

    public static func embedding(_ indices: Tensor, weight: Tensor) throws -> Tensor {
        try Tensor.wrap("embedding", ct_embedding(weight.handle, indices.handle))
    }

    /// Batch norm. In training mode the running statistics (when given) are updated in place with `momentum`.
    public static func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil,
                                 bias: Tensor? = nil, training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
        try withExtendedLifetime((runningMean, runningVar, weight, bias)) {
            try Tensor.wrap("batchNorm", ct_batch_norm(x.handle, weight?.handle, bias?.handle, runningMean?.handle,
                                                       runningVar?.handle, training, momentum, eps))
        }
    }

    public static func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 ceilMode: Bool = false, countIncludePad: Bool = true) throws -> Tensor {
        let k = pair(kernel), s = pair(stride ?? kernel), p = pair(padding)
        return try Tensor.wrap("avgPool2d", ct_avg_pool2d(x.handle, k, s, p, ceilMode, countIncludePad))
    }

    public static func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) throws -> Tensor {
        let k = pair(kernel), s = pair(stride ?? kernel), p = pair(padding), d = pair(dilation)
        return try Tensor.wrap("maxPool2d", ct_max_pool2d(x.handle, k, s, p, d, ceilMode))
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
        try Tensor.wrap("adaptiveAvgPool2d", ct_adaptive_avg_pool2d(x.handle, pair(outputSize)))
    }

    /// Nearest-neighbour resize to `size` (F.interpolate(mode="nearest")).
    public static func upsampleNearest(_ x: Tensor, size: (Int, Int)) throws -> Tensor {
        try Tensor.wrap("upsampleNearest", ct_upsample_nearest2d(x.handle, pair(size)))
    }

    /// Nearest-neighbour upsampling by an integer factor.
    public static func upsampleNearest(_ x: Tensor, scale: Int) throws -> Tensor {
        let s = x.shape
        guard s.count == 4 else { throw TorchError("upsampleNearest", "expected NCHW input, got shape \(s)") }
        return try upsampleNearest(x, size: (s[2] * scale, s[3] * scale))
    }

    public static func upsampleBilinear(_ x: Tensor, size: (Int, Int), alignCorners: Bool) throws -> Tensor {
        try Tensor.wrap("upsampleBilinear", ct_upsample_bilinear2d(x.handle, pair(size), alignCorners))
    }

    public static func upsampleBicubic(_ x: Tensor, size: (Int, Int), alignCorners: Bool) throws -> Tensor {
        try Tensor.wrap("upsampleBicubic", ct_upsample_bicubic2d(x.handle, pair(size), alignCorners))
    }

    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor {
        guard (0...1).contains(p) else { throw TorchError("dropout", "probability must be in [0, 1], got \(p)") }
        return try Tensor.wrap("dropout", ct_dropout(x.handle, p, training))
    }

    /// F.pad: `pads` lists (left, right) pairs from the last dimension backwards.
    public static func pad(_ x: Tensor, _ pads: [Int], mode: PadMode = .constant, value: Double = 0) throws -> Tensor {
        try withInt64(pads) { try Tensor.wrap("pad", ct_pad(x.handle, $0, $1, mode.code, value)) }
    }

    public static func oneHot(_ indices: Tensor, classes: Int) throws -> Tensor {
        try Tensor.wrap("oneHot", ct_one_hot(indices.handle, Int64(classes)))
    }

    // MARK: Losses

    public static func mseLoss(_ a: Tensor, _ b: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try Tensor.wrap("mseLoss", ct_mse_loss(a.handle, b.handle, reduction.code))
    }

    public static func l1Loss(_ a: Tensor, _ b: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try Tensor.wrap("l1Loss", ct_l1_loss(a.handle, b.handle, reduction.code))
    }

    /// Cross entropy of logits [N, C] against class indices [N] (i64).
    public static func crossEntropy(_ logits: Tensor, targets: Tensor, reduction: Reduction = .mean,
                                    labelSmoothing: Double = 0) throws -> Tensor {
        try Tensor.wrap("crossEntropy", ct_cross_entropy(logits.handle, targets.handle, reduction.code, labelSmoothing))
    }

    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, targets: Tensor,
                                                    reduction: Reduction = .mean) throws -> Tensor {
        try Tensor.wrap("bceWithLogits", ct_bce_with_logits(logits.handle, targets.handle, reduction.code))
    }
}
