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
