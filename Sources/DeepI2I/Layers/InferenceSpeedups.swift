import Foundation

/// The switch for the inference speed-ups (the eval-mode spectral-norm cache and fused attention).
/// They are on; `DEEPI2I_INFERENCE_BASELINE=1` in the environment turns them off, so that a benchmark
/// can time the unoptimised path with the same build, interleaved (see docs/inference-profile.md).
public enum InferenceSpeedups {
    public static let enabled: Bool = ProcessInfo.processInfo.environment["DEEPI2I_INFERENCE_BASELINE"] != "1"
}
