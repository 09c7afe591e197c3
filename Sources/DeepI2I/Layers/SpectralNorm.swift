import Torch

/// BigGAN-PyTorch's spectral normalisation (not torch.nn.utils.spectral_norm): buffers `u0` [1, out]
/// and `sv0` [1]; one power iteration per forward; W_sn = W / sigma with the gradient through sigma.
/// Training mode stores the new u and sigma; evaluation runs the same iteration and stores nothing.
///
/// In evaluation mode W and u do not change between calls, so W / sigma is cached: the same computation
/// done once. The cache is keyed by the mutation stamps of W and u (libtorch's version counter and
/// storage), so any change to either (loading, an optimizer step, a training-mode forward updating u,
/// a device move, any in-place edit) drops it. It is used only where no graph is needed (gradients off,
/// or W frozen); training mode always recomputes, as the official code does.
final class SpectralNorm {
    let weight: Tensor
    let u: Tensor
    let sv: Tensor
    let eps: Double
    let outputs: Int
    private var cache: Cached?

    private struct Cached {
        let weightStamp: MutationStamp
        let uStamp: MutationStamp
        /// Pins the weight's storage so that its address cannot be reused while it keys the cache.
        let pinnedWeight: Tensor
        let normalized: Tensor
    }

    init(weight: Tensor, outputs: Int, eps: Double, generator: RandomGenerator?) throws {
        self.weight = weight
        self.outputs = outputs
        self.eps = eps
        u = try Tensor.randn([1, outputs], generator: generator)
        sv = try Tensor.ones([1])
    }

    /// Registers `u0` and `sv0` on the layer that owns the weight.
    func register(on owner: Module) {
        owner.registerBuffer("u0", u)
        owner.registerBuffer("sv0", sv)
    }

    /// Whether an evaluation forward would be served from the cache now (for tests).
    var isCached: Bool {
        guard let c = cache else { return false }
        return c.weightStamp == weight.mutationStamp && c.uStamp == u.mutationStamp
    }

    /// Whether `w` is the cached normalised weight, as `normalizedWeight` just returned it (derived caches,
    /// such as a prepacked convolution weight, key on its identity).
    func isCachedWeight(_ w: Tensor) -> Bool { cache?.normalized === w }

    /// The normalised weight for this forward pass.
    func normalizedWeight(training: Bool) throws -> Tensor {
        if training {
            cache = nil
            return try compute(training: true)
        }
        guard InferenceSpeedups.enabled, !(Torch.isGradEnabled && weight.requiresGrad),
              let weightStamp = weight.mutationStamp, let uStamp = u.mutationStamp else {
            return try compute(training: false)
        }
        if let c = cache, c.weightStamp == weightStamp, c.uStamp == uStamp { return c.normalized }
        let normalized = try withNoGrad { try compute(training: false) }
        cache = Cached(weightStamp: weightStamp, uStamp: uStamp, pinnedWeight: try weight.detached(),
                       normalized: normalized)
        return normalized
    }

    /// Always float32, also inside an autocast scope (mixed precision): u and sigma are kept as trained.
    private func compute(training: Bool) throws -> Tensor {
        try Autocast.disabled { try computeFloat32(training: training) }
    }

    private func computeFloat32(training: Bool) throws -> Tensor {
        let matrix = try weight.view([outputs, -1])
        let (v, newU) = try withNoGrad { () throws -> (Tensor, Tensor) in
            let v = try u.matmul(matrix).normalized(dim: 1, eps: eps)
            let newU = try v.matmul(matrix.t()).normalized(dim: 1, eps: eps)
            return (v, newU)
        }
        // sigma = v W^T u'^T, differentiable in W.
        let sigma = try v.matmul(matrix.t()).matmul(newU.t()).squeeze()
        if training {
            try u.copy_(from: newU)
            try sv.copy_(from: sigma.detached())
        }
        return try weight / sigma
    }
}
