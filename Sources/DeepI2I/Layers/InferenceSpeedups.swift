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
