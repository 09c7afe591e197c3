import CTorch

/// Binary operations of the shim, by the names ctorch.h gives them (`ct_binary_op`).
enum BinaryOp {
    case add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, remainder

    var code: ct_binary_op {
        switch self {
        case .add: return CT_BINARY_ADD
        case .sub: return CT_BINARY_SUB
        case .mul: return CT_BINARY_MUL
        case .div: return CT_BINARY_DIV
        case .pow: return CT_BINARY_POW
        case .maximum: return CT_BINARY_MAXIMUM
        case .minimum: return CT_BINARY_MINIMUM
        case .eq: return CT_BINARY_EQ
        case .ne: return CT_BINARY_NE
        case .lt: return CT_BINARY_LT
        case .le: return CT_BINARY_LE
        case .gt: return CT_BINARY_GT
        case .ge: return CT_BINARY_GE
        case .remainder: return CT_BINARY_REMAINDER
        }
    }
}

/// Unary operations of the shim, by the names ctorch.h gives them (`ct_unary_op`).
enum UnaryOp {
    case neg, sqrt, exp, log, abs, tanh, sigmoid, relu, sign, floor, ceil, round, rsqrt, square, sin, cos,
         log1p, isnan, isinf, logicalNot

    var code: ct_unary_op {
        switch self {
        case .neg: return CT_UNARY_NEG
        case .sqrt: return CT_UNARY_SQRT
        case .exp: return CT_UNARY_EXP
        case .log: return CT_UNARY_LOG
        case .abs: return CT_UNARY_ABS
        case .tanh: return CT_UNARY_TANH
        case .sigmoid: return CT_UNARY_SIGMOID
        case .relu: return CT_UNARY_RELU
        case .sign: return CT_UNARY_SIGN
        case .floor: return CT_UNARY_FLOOR
        case .ceil: return CT_UNARY_CEIL
        case .round: return CT_UNARY_ROUND
        case .rsqrt: return CT_UNARY_RSQRT
        case .square: return CT_UNARY_SQUARE
        case .sin: return CT_UNARY_SIN
        case .cos: return CT_UNARY_COS
        case .log1p: return CT_UNARY_LOG1P
        case .isnan: return CT_UNARY_ISNAN
        case .isinf: return CT_UNARY_ISINF
        case .logicalNot: return CT_UNARY_LOGICAL_NOT
        }
    }
}

extension Tensor {
    @inline(__always)
    func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        try Tensor.wrap("\(op)", ct_binary(op.code, handle, other.handle))
    }

    @inline(__always)
    func binary(_ op: BinaryOp, _ s: Double) throws -> Tensor {
        try Tensor.wrap("\(op)", ct_binary_scalar(op.code, handle, s))
    }

    @inline(__always)
    func unary(_ op: UnaryOp) throws -> Tensor { try Tensor.wrap("\(op)", ct_unary(op.code, handle)) }

    // MARK: Arithmetic with broadcasting

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.div, b) }
    public static func + (a: Tensor, s: Double) throws -> Tensor { try a.binary(.add, s) }
    public static func - (a: Tensor, s: Double) throws -> Tensor { try a.binary(.sub, s) }
    public static func * (a: Tensor, s: Double) throws -> Tensor { try a.binary(.mul, s) }
    public static func / (a: Tensor, s: Double) throws -> Tensor { try a.binary(.div, s) }
    public static func + (s: Double, a: Tensor) throws -> Tensor { try a.binary(.add, s) }
    public static func * (s: Double, a: Tensor) throws -> Tensor { try a.binary(.mul, s) }
    public static func - (s: Double, a: Tensor) throws -> Tensor { try Tensor.wrap("rsub", ct_rsub_scalar(s, a.handle)) }
    public static func / (s: Double, a: Tensor) throws -> Tensor { try Tensor.wrap("rdiv", ct_rdiv_scalar(s, a.handle)) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(.neg) }

    /// a + alpha * b in one kernel.
    public func adding(_ other: Tensor, alpha: Double) throws -> Tensor {
        try Tensor.wrap("add", ct_add_scaled(handle, other.handle, alpha))
    }

    public func pow(_ exponent: Double) throws -> Tensor { try binary(.pow, exponent) }
    public func pow(_ exponent: Tensor) throws -> Tensor { try binary(.pow, exponent) }
    public func maximum(_ other: Tensor) throws -> Tensor { try binary(.maximum, other) }
    public func minimum(_ other: Tensor) throws -> Tensor { try binary(.minimum, other) }
    public func remainder(_ s: Double) throws -> Tensor { try binary(.remainder, s) }

    // MARK: Comparisons (bool tensors)

    public func eq(_ other: Tensor) throws -> Tensor { try binary(.eq, other) }
    public func eq(_ s: Double) throws -> Tensor { try binary(.eq, s) }
    public func ne(_ s: Double) throws -> Tensor { try binary(.ne, s) }
    public func lt(_ s: Double) throws -> Tensor { try binary(.lt, s) }
    public func le(_ s: Double) throws -> Tensor { try binary(.le, s) }
    public func gt(_ s: Double) throws -> Tensor { try binary(.gt, s) }
    public func ge(_ s: Double) throws -> Tensor { try binary(.ge, s) }
    public func gt(_ other: Tensor) throws -> Tensor { try binary(.gt, other) }
    public func lt(_ other: Tensor) throws -> Tensor { try binary(.lt, other) }

    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try Tensor.wrap("where", ct_where(condition.handle, a.handle, b.handle))
    }

    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor {
        try Tensor.wrap("maskedFill", ct_masked_fill(handle, mask.handle, value))
    }

    // MARK: In place (parameters and buffers; not for tensors that need gradients)

    public static func += (a: Tensor, b: Tensor) throws { try check(ct_binary_(BinaryOp.add.code, a.handle, b.handle), "+=") }
    public static func -= (a: Tensor, b: Tensor) throws { try check(ct_binary_(BinaryOp.sub.code, a.handle, b.handle), "-=") }
    public static func *= (a: Tensor, b: Tensor) throws { try check(ct_binary_(BinaryOp.mul.code, a.handle, b.handle), "*=") }
    public static func += (a: Tensor, s: Double) throws { try check(ct_binary_scalar_(BinaryOp.add.code, a.handle, s), "+=") }
    public static func *= (a: Tensor, s: Double) throws { try check(ct_binary_scalar_(BinaryOp.mul.code, a.handle, s), "*=") }
    public static func /= (a: Tensor, s: Double) throws { try check(ct_binary_scalar_(BinaryOp.div.code, a.handle, s), "/=") }

    /// relu in place (ReLU(inplace=True) in BigGAN's discriminator head).
    public func relu_() throws { try check(ct_unary_(UnaryOp.relu.code, handle), "relu_") }

    // MARK: Elementwise functions

    public func sqrt() throws -> Tensor { try unary(.sqrt) }
    public func rsqrt() throws -> Tensor { try unary(.rsqrt) }
    public func exp() throws -> Tensor { try unary(.exp) }
    public func log() throws -> Tensor { try unary(.log) }
    public func log1p() throws -> Tensor { try unary(.log1p) }
    public func abs() throws -> Tensor { try unary(.abs) }
    public func square() throws -> Tensor { try unary(.square) }
    public func sign() throws -> Tensor { try unary(.sign) }
    public func floor() throws -> Tensor { try unary(.floor) }
    public func ceil() throws -> Tensor { try unary(.ceil) }
    public func round() throws -> Tensor { try unary(.round) }
    public func sin() throws -> Tensor { try unary(.sin) }
    public func cos() throws -> Tensor { try unary(.cos) }
    public func tanh() throws -> Tensor { try unary(.tanh) }
    public func sigmoid() throws -> Tensor { try unary(.sigmoid) }
    public func relu() throws -> Tensor { try unary(.relu) }
    public func isNaN() throws -> Tensor { try unary(.isnan) }
    public func isInf() throws -> Tensor { try unary(.isinf) }
    public func logicalNot() throws -> Tensor { try unary(.logicalNot) }

    public func leakyRelu(slope: Double = 0.01) throws -> Tensor {
        try Tensor.wrap("leakyRelu", ct_leaky_relu(handle, slope))
    }

    public func clamp(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try Tensor.wrap("clamp", ct_clamp(handle, min ?? 0, max ?? 0, min != nil, max != nil))
    }

    public func softmax(dim: Int) throws -> Tensor { try Tensor.wrap("softmax", ct_softmax(handle, Int64(dim))) }

    public func logSoftmax(dim: Int) throws -> Tensor { try Tensor.wrap("logSoftmax", ct_log_softmax(handle, Int64(dim))) }

    /// x / max(||x||_p, eps) along `dim` (torch.nn.functional.normalize).
    public func normalized(p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws -> Tensor {
        try Tensor.wrap("normalize", ct_normalize(handle, p, Int64(dim), eps))
    }

    // MARK: Linear algebra

    public func matmul(_ other: Tensor) throws -> Tensor { try Tensor.wrap("matmul", ct_matmul(handle, other.handle)) }

    public func bmm(_ other: Tensor) throws -> Tensor { try Tensor.wrap("bmm", ct_bmm(handle, other.handle)) }

    /// Eigen-decomposition of a symmetric matrix: (eigenvalues ascending, eigenvectors as columns).
    public func symmetricEigen() throws -> (values: Tensor, vectors: Tensor) {
        var vectors: OpaquePointer?
        let values = try Tensor.wrap("linalg_eigh", ct_linalg_eigh(handle, &vectors))
        return (values, try Tensor.wrap("linalg_eigh", vectors))
    }

    public func singularValues() throws -> Tensor { try Tensor.wrap("svdvals", ct_linalg_svdvals(handle)) }

    // MARK: Reductions

    public func sum(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("sum", ct_sum(handle, $0, $1, keepDim)) }
    }

    public func mean(dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("mean", ct_mean(handle, $0, $1, keepDim)) }
    }

    public func variance(dims: [Int] = [], unbiased: Bool = true, keepDim: Bool = false) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("var", ct_var(handle, $0, $1, unbiased, keepDim)) }
    }

    public func norm(p: Double = 2, dims: [Int] = [], keepDim: Bool = false) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("norm", ct_norm(handle, p, $0, $1, keepDim)) }
    }

    public func max() throws -> Tensor { try Tensor.wrap("max", ct_max_all(handle)) }
    public func min() throws -> Tensor { try Tensor.wrap("min", ct_min_all(handle)) }

    public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var indices: OpaquePointer?
        let values = try Tensor.wrap("max(dim)", ct_max_dim(handle, Int64(dim), keepDim, &indices))
        return (values, try Tensor.wrap("max(dim)", indices))
    }

    public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        var indices: OpaquePointer?
        let values = try Tensor.wrap("min(dim)", ct_min_dim(handle, Int64(dim), keepDim, &indices))
        return (values, try Tensor.wrap("min(dim)", indices))
    }

    public func argmax(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try Tensor.wrap("argmax", ct_argmax(handle, Int64(dim), keepDim))
    }

    public func argmin(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try Tensor.wrap("argmin", ct_argmin(handle, Int64(dim), keepDim))
    }

    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) throws -> (values: Tensor, indices: Tensor) {
        var indices: OpaquePointer?
        let values = try Tensor.wrap("topk", ct_topk(handle, Int64(k), Int64(dim), largest, &indices))
        return (values, try Tensor.wrap("topk", indices))
    }

    public func cumsum(dim: Int) throws -> Tensor { try Tensor.wrap("cumsum", ct_cumsum(handle, Int64(dim))) }
}
