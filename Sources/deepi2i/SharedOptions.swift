import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import Torch

/// `--device cpu|cuda|cuda:N`, parsed once for every command that runs a network.
struct DeviceOptions: ParsableArguments {
    @Option(help: "Device: cpu, cuda or cuda:N.") var device = "cpu"

    /// The device, checked against what libtorch sees, so a missing GPU ends the command before any work
    /// with a message naming the device.
    func resolved() throws -> Device {
        let parsed: Device
        do { parsed = try Device(parsing: device) } catch { throw ValidationError("--device: \(error)") }
        if case .cuda(let i) = parsed, i >= Torch.cudaDeviceCount {
            throw CommandFailure("device \(parsed) requested, but libtorch sees \(Torch.cudaDeviceCount) CUDA device(s)")
        }
        return parsed
    }
}

/// What every inference command (translate, morph, serve) takes: the model, z's seed and scale, the device.
struct InferenceOptions: ParsableArguments {
    @Option(help: "Model directory (config.json + G/E/A.safetensors).") var model: String
    @Option(help: "Random seed for z.") var seed: UInt64 = 0
    @Option(help: "BigGAN: scale of z (0: the deterministic z = 0 translation). StyleGAN: psi of the truncation by the mean style (1: none; 0: every sample is the mean style).") var truncation = 1.0
    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard truncation >= 0, truncation.isFinite else { throw ValidationError("--truncation must be a number >= 0") }
    }

    /// Loads the translation networks (E, A, G) onto the device.
    func loadTranslator() throws -> Translator {
        try CommandSupport.loadTranslator(model: model, device: device.resolved())
    }

    /// Loads E, A and G of a model directory of either family (BigGAN or StyleGAN), by its config.json.
    func loadImageTranslator() throws -> any ImageTranslator {
        try DeepI2IServe.loadImageTranslator(URL(fileURLWithPath: model), device: device.resolved())
    }
}

/// `--precision fp32|bf16|fp16`, the arithmetic of every training command (issue #12).
struct PrecisionOptions: ParsableArguments {
    @Option(help: "Training arithmetic: fp32, bf16 (autocast; CPU and CUDA) or fp16 (autocast with a dynamic loss scaler; CUDA, or a libtorch with float16 CPU kernels) (default fp32; --resume keeps the run's).")
    var precision: String?

    /// The precision asked for (nil: not given).
    func parsed() throws -> Precision? {
        do { return try precision.map(Precision.init(parsing:)) } catch { throw ValidationError("\(error)") }
    }

    /// With --resume the run's own precision holds; a different one asked for is an error.
    func check(resuming saved: Precision?) throws {
        if let asked = try parsed(), asked != (saved ?? .fp32) {
            throw CommandFailure("--precision \(asked): the run was trained with \(saved ?? .fp32); --resume keeps it")
        }
    }
}
