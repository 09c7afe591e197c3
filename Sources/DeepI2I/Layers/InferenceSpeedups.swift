import Foundation
import Torch

/// The switch for the inference speed-ups (the eval-mode spectral-norm cache, fused attention, in-place
/// activations, and skipping the random init of networks a model directory loads).
/// They are on; `DEEPI2I_INFERENCE_BASELINE=1` in the environment turns them off, so that a benchmark
/// can time the unoptimised path with the same build, interleaved (see docs/inference-profile.md).
public enum InferenceSpeedups {
    public static let enabled: Bool = ProcessInfo.processInfo.environment["DEEPI2I_INFERENCE_BASELINE"] != "1"

    /// Eval-mode SN convolutions run with their cached weight prepacked for oneDNN (where libtorch has it).
    /// On with the other speed-ups; `DEEPI2I_CONV_PREPACK=0` turns only this one off, so that a benchmark
    /// can time it against the previous path with the same build.
    public static let prepacksConvolutions: Bool = enabled && Torch.hasConvPrepack
        && ProcessInfo.processInfo.environment["DEEPI2I_CONV_PREPACK"] != "0"

    /// Eval-mode 3x3 SN convolutions run by Winograd's algorithm at the sizes where it is faster than the
    /// prepacked oneDNN path (`winogradTileSize`). On with the other speed-ups; `DEEPI2I_CONV_WINOGRAD=0`
    /// turns only this one off, so that a benchmark can time it against the previous path with the same build.
    public static let winogradConvolutions: Bool = enabled
        && ProcessInfo.processInfo.environment["DEEPI2I_CONV_WINOGRAD"] != "0"

    /// The Winograd tile size (4: F(4x4, 3x3)) for a stride-1, pad-1 3x3 convolution of this shape, or nil
    /// where the direct (prepacked oneDNN) convolution is faster. A fixed rule from the per-layer sweeps
    /// `deepi2i bench-pipeline --mode conv-layers` (batch 4 at ch 96 and batch 40 at ch 16; 2 threads,
    /// libtorch 1.13, this project's machine; docs/inference-profile.md, third pass): Winograd wins on maps
    /// of at most 32 px with at least 128 input and output channels and at least 32 output tiles of 4x4 per
    /// call. Fewer tiles (8 px at batch 4, 4 px) leave the products memory-bound on the transformed weights
    /// (4x the direct ones); on 64-128 px maps and with fewer channels the transforms cost more than the
    /// multiplies saved. Weights above 1536 x 768 (the largest measured win; a 1536 x 1536 layer would
    /// hold 340 MB transformed) stay direct.
    public static func winogradTileSize(inChannels: Int, outChannels: Int, height: Int, width: Int,
                                        batch: Int) -> Int? {
        let tiles = batch * ((height + 3) / 4) * ((width + 3) / 4)
        guard min(inChannels, outChannels) >= 128, inChannels * outChannels <= 1536 * 768, max(height, width) <= 32,
              tiles >= 32 else { return nil }
        return 4
    }
}

extension InferenceSpeedups {
    /// Whether layers may overwrite their own temporaries (in-place activations and sums): only when
    /// no autograd graph is being recorded, so training and gradient checks see the out-of-place ops.
    static var inPlace: Bool { enabled && !Torch.isGradEnabled }
}

extension Tensor {
    /// relu of a temporary nothing else holds: in place under `InferenceSpeedups.inPlace`.
    func reluOfTemporary() throws -> Tensor {
        guard InferenceSpeedups.inPlace else { return try relu() }
        try relu_()
        return self
    }

    /// self + other for a temporary `self` nothing else holds: in place under `InferenceSpeedups.inPlace`.
    func addingToTemporary(_ other: Tensor) throws -> Tensor {
        guard InferenceSpeedups.inPlace else { return try self + other }
        try self += other
        return self
    }

    /// self * other for a temporary `self` nothing else holds: in place under `InferenceSpeedups.inPlace`.
    func multiplyingTemporary(by other: Tensor) throws -> Tensor {
        guard InferenceSpeedups.inPlace else { return try self * other }
        try self *= other
        return self
    }
}
