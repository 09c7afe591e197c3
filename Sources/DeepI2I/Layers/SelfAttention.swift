import Torch

/// SAGAN self-attention as in BigGAN-PyTorch: theta, phi (C -> C/8), g (C -> C/2), o (C/2 -> C), all
/// bias-free SN 1x1 convs; phi and g are 2x2 max-pooled; out = x + gamma * o(g beta^T), gamma from 0.
public final class SelfAttention: Module {
    public let theta: SNConv2d
    public let phi: SNConv2d
    public let g: SNConv2d
    public let o: SNConv2d
    public let gamma: Tensor
    let channels: Int

    public init(_ channels: Int, snEps: Double = 1e-6, generator: RandomGenerator? = nil) throws {
        self.channels = channels
        theta = try SNConv2d(channels, channels / 8, kernelSize: 1, padding: 0, bias: false, eps: snEps, generator: generator)
        phi = try SNConv2d(channels, channels / 8, kernelSize: 1, padding: 0, bias: false, eps: snEps, generator: generator)
        g = try SNConv2d(channels, channels / 2, kernelSize: 1, padding: 0, bias: false, eps: snEps, generator: generator)
        o = try SNConv2d(channels / 2, channels, kernelSize: 1, padding: 0, bias: false, eps: snEps, generator: generator)
        gamma = try Tensor(scalar: Float(0))
        super.init()
        registerModule("theta", theta)
        registerModule("phi", phi)
        registerModule("g", g)
        registerModule("o", o)
        try registerParameter("gamma", gamma)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let s = x.shape
        let (n, h, w) = (s[0], s[2], s[3])
        let location = h * w
        let t = try theta(x).view([n, channels / 8, location])
        let p = try Functional.maxPool2d(phi(x), kernel: (2, 2)).view([n, channels / 8, location / 4])
        let gv = try Functional.maxPool2d(g(x), kernel: (2, 2)).view([n, channels / 2, location / 4])
        // Inference (no graph) may use libtorch's fused attention; training keeps the official
        // bmm + softmax + bmm numerics.
        let fused = InferenceSpeedups.enabled && !isTraining && !Torch.isGradEnabled
        let attended = try Functional.attentionCore(theta: t, phi: p, g: gv, fused: fused)
            .view([n, channels / 2, h, w])
        return try o(attended).multiplyingTemporary(by: gamma).addingToTemporary(x)
    }
}
