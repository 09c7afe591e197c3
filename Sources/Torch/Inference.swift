import CTorch

/// Inference helpers over the shim's standalone entry points: tensor mutation stamps (for caches of
/// values derived from weights) and the fused attention core.

/// Identifies the state of a tensor's data: it changes whenever the data may have changed, through any
/// in-place operation on the tensor or a view of it (libtorch's version counter: copy_, optimizer steps,
/// in-place initialisers) or a replacement of its storage (`setData`, device moves).
public struct MutationStamp: Equatable, Sendable {
    public let version: Int64
    public let storage: UInt64
}

extension Tensor {
    /// The tensor's current mutation stamp; nil when libtorch keeps no version counter for it.
    public var mutationStamp: MutationStamp? {
        var version: Int64 = 0
        var storage: UInt64 = 0
        guard ct_mutation_stamp(handle, &version, &storage) == 0 else {
            ct_clear_error()
            return nil
        }
        return MutationStamp(version: version, storage: storage)
    }
}

extension Torch {
    /// Whether `Functional.attentionCore(fused: true)` uses libtorch's fused scaled-dot-product
    /// attention (libtorch >= 2.1); otherwise it computes bmm + softmax + bmm.
    public static var hasFusedAttention: Bool { ct_has_fused_attention() == 1 }
}

extension Torch {
    /// Runs `body` with libtorch's operator profiler on and writes every ATen op this thread ran to
    /// `path` as a Chrome trace (JSON: name, start and duration in microseconds, nested by time).
    public static func profile<R>(to path: String, _ body: () throws -> R) throws -> R {
        try check(ct_profile_begin(path), "profile")
        let result: R
        do { result = try body() } catch {
            _ = ct_profile_end()
            throw error
        }
        try check(ct_profile_end(), "profile")
        return result
    }
}

extension Functional {
    /// SAGAN attention in BigGAN's channel-first layout, without scaling: theta [n, ck, L], phi [n, ck, M],
    /// g [n, cv, M] -> g softmax(theta^T phi)^T, [n, cv, L]. `fused` asks for libtorch's fused kernel where
    /// it exists (see `Torch.hasFusedAttention`); unfused, the result is bit-identical to
    /// `g.bmm(theta.transpose(1, 2).bmm(phi).softmax(dim: -1).transpose(1, 2))`.
    public static func attentionCore(theta: Tensor, phi: Tensor, g: Tensor, fused: Bool) throws -> Tensor {
        try Tensor.wrap("attentionCore", ct_attention_core(theta.handle, phi.handle, g.handle, fused))
    }
}

/// A convolution weight reordered once into oneDNN's blocked layout (`Functional.prepackConv2d`), for
/// inference: libtorch's conv2d reorders a plain weight at every call. Opaque: only
/// `Functional.conv2d(_:prepacked:bias:)` reads it; it carries the convolution parameters it was packed for.
public struct PrepackedConv2dWeight {
    public let packed: Tensor
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
}

extension Torch {
    /// Whether `Functional.prepackConv2d` works with this libtorch (built with oneDNN).
    public static let hasConvPrepack: Bool = ct_has_conv_prepack() == 1
}

extension Functional {
    /// Packs a dense CPU float32 weight [out, in/groups, kh, kw] for `conv2d(_:prepacked:bias:)`.
    /// Throws where libtorch has no oneDNN (`Torch.hasConvPrepack`) or the weight is not CPU float32.
    public static func prepackConv2d(_ weight: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                                     dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> PrepackedConv2dWeight {
        let s = pair(stride), p = pair(padding), d = pair(dilation)
        let packed = try Tensor.wrap("prepackConv2d", ct_conv2d_prepack(weight.handle, s, p, d, Int64(groups)))
        return PrepackedConv2dWeight(packed: packed, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// conv2d of a dense CPU float32 `x` with a prepacked weight, without autograd: libtorch's oneDNN kernel
    /// as `conv2d(_:weight:)` runs it for CPU float32, without the per-call weight reorder.
    public static func conv2d(_ x: Tensor, prepacked w: PrepackedConv2dWeight, bias: Tensor? = nil) throws -> Tensor {
        let s = pair(w.stride), p = pair(w.padding), d = pair(w.dilation)
        return try withExtendedLifetime(bias) {
            try Tensor.wrap("conv2dPrepacked", ct_conv2d_prepacked(x.handle, w.packed.handle, bias?.handle, s, p, d,
                                                                   Int64(w.groups)))
        }
    }
}

/// A 3x3 convolution weight transformed once for Winograd F(m x m, 3 x 3) (`Functional.winogradConv2dWeight`),
/// for inference: [(m + 2)^2, out, in] float32. Only `Functional.conv2d(_:winograd:bias:)` reads it.
public struct WinogradConv2dWeight {
    public let transformed: Tensor
    /// Output tile size: 2 (2.25x fewer multiplies than direct convolution) or 4 (4x, larger rounding error).
    public let tileSize: Int
}

extension Functional {
    /// Transforms a CPU float32 weight [out, in, 3, 3] for `conv2d(_:winograd:bias:)` (in float64, stored float32).
    public static func winogradConv2dWeight(_ weight: Tensor, tileSize: Int) throws -> WinogradConv2dWeight {
        let u = try Tensor.wrap("winogradConv2dWeight", ct_winograd_weight(weight.handle, Int64(tileSize)))
        return WinogradConv2dWeight(transformed: u, tileSize: tileSize)
    }

    /// conv2d(x, w, bias, stride 1, padding 1) of a dense CPU float32 `x` by Winograd's algorithm, without
    /// autograd: the (m + 2)^2 elementwise products over channels as one batched matrix multiply.
    public static func conv2d(_ x: Tensor, winograd w: WinogradConv2dWeight, bias: Tensor? = nil) throws -> Tensor {
        try withExtendedLifetime(bias) {
            try Tensor.wrap("conv2dWinograd", ct_conv2d_winograd(x.handle, w.transformed.handle, bias?.handle,
                                                                 Int64(w.tileSize)))
        }
    }
}
