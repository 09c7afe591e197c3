import Torch

/// A spectrally normalised 2-D convolution (BigGAN-PyTorch `SNConv2d`): keys `weight`, `bias`, `u0`, `sv0`.
public final class SNConv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    let sn: SpectralNorm
    let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, padding: Int = 1, bias: Bool = true,
                eps: Double = 1e-6, generator: RandomGenerator? = nil) throws {
        weight = try RandomInit.orthogonal([outChannels, inChannels, kernelSize, kernelSize], generator: generator)
        self.bias = bias ? try Tensor.zeros([outChannels]) : nil
        self.padding = padding
        sn = try SpectralNorm(weight: weight, outputs: outChannels, eps: eps, generator: generator)
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
        sn.register(on: self)
    }

    /// The eval-mode cached W / sigma prepacked for oneDNN, with the cached tensor it was packed from.
    private(set) var prepacked: (source: Tensor, weight: PrepackedConv2dWeight)?

    /// The eval-mode cached W / sigma transformed for Winograd convolution, with the cached tensor it was
    /// transformed from (see `InferenceSpeedups.winogradTileSize`).
    private(set) var winograd: (source: Tensor, weight: WinogradConv2dWeight)?

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let w = try sn.normalizedWeight(training: isTraining)
        if let transformed = try winogradWeight(of: w, input: x) {
            return try Functional.conv2d(x, winograd: transformed, bias: bias)
        }
        if let packed = try prepackedWeight(of: w, input: x) {
            return try Functional.conv2d(x, prepacked: packed, bias: bias)
        }
        return try Functional.conv2d(x, weight: w, bias: bias, padding: (padding, padding))
    }

    /// Inference on CPU float32 with the SN cache serving `w`, a 3x3 pad-1 layer at a size where Winograd is
    /// faster (`InferenceSpeedups.winogradTileSize`): `w` transformed once per cache entry, like the
    /// prepacked weight. Otherwise nil, and the transformed copy is released.
    private func winogradWeight(of w: Tensor, input x: Tensor) throws -> WinogradConv2dWeight? {
        guard InferenceSpeedups.winogradConvolutions, padding == 1, weight.shape.count == 4, weight.shape[2] == 3,
              weight.shape[3] == 3, x.shape.count == 4, !isTraining, !Torch.isGradEnabled, sn.isCachedWeight(w),
              x.device == .cpu, x.dtype == .f32, w.dtype == .f32,
              let m = InferenceSpeedups.winogradTileSize(inChannels: weight.shape[1], outChannels: weight.shape[0],
                                                         height: x.shape[2], width: x.shape[3], batch: x.shape[0]) else {
            winograd = nil
            return nil
        }
        if let t = winograd, t.source === w, t.weight.tileSize == m { return t.weight }
        winograd = nil
        let transformed = try Functional.winogradConv2dWeight(w, tileSize: m)
        winograd = (w, transformed)
        return transformed
    }

    /// Inference on CPU float32 with the SN cache serving `w`: `w` packed once per cache entry (a new
    /// entry, after any change to W or u, is a new tensor and is packed again). Otherwise nil, and the
    /// packed copy is released.
    private func prepackedWeight(of w: Tensor, input x: Tensor) throws -> PrepackedConv2dWeight? {
        guard InferenceSpeedups.prepacksConvolutions, !isTraining, !Torch.isGradEnabled, sn.isCachedWeight(w),
              x.device == .cpu, x.dtype == .f32, w.dtype == .f32 else {
            prepacked = nil
            return nil
        }
        if let p = prepacked, p.source === w { return p.weight }
        prepacked = nil
        let packed = try Functional.prepackConv2d(w, padding: (padding, padding))
        prepacked = (w, packed)
        return packed
    }
}
