import Torch

/// BigGAN-PyTorch's spectral normalisation (not torch.nn.utils.spectral_norm): buffers `u0` [1, out]
/// and `sv0` [1]; one power iteration per forward; W_sn = W / sigma with the gradient through sigma.
/// Training mode stores the new u and sigma; evaluation runs the same iteration and stores nothing.
struct SpectralNorm {
    let weight: Tensor
    let u: Tensor
    let sv: Tensor
    let eps: Double
    let outputs: Int

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

    /// The normalised weight for this forward pass.
    func normalizedWeight(training: Bool) throws -> Tensor {
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
