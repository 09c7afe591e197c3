import Torch

/// The arithmetic precision of training (`--precision`). fp32 is the default and unchanged; bf16 and fp16
/// run the networks' forward passes under libtorch's autocast with float32 master weights, and fp16 adds
/// a dynamic loss scaler (its 5-bit exponent underflows small gradients and overflows large ones).
/// Spectral-norm power iterations, batch-norm statistics and the losses stay float32 either way.
public enum Precision: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case fp32, bf16, fp16

    /// The dtype autocast casts to (nil: no autocast).
    public var autocastDType: DType? {
        switch self {
        case .fp32: return nil
        case .bf16: return .bf16
        case .fp16: return .f16
        }
    }

    public var description: String { rawValue }

    public init(parsing text: String) throws {
        guard let p = Precision(rawValue: text.lowercased()) else {
            throw TrainingError.invalidConfig("--precision must be fp32, bf16 or fp16, not '\(text)'")
        }
        self = p
    }
}

/// A dynamic loss scaler with torch.cuda.amp.GradScaler's semantics: losses are multiplied by `scale`
/// before backward; before an optimizer step the gradients are checked and divided by `scale`; a step
/// whose gradients hold an inf or NaN is skipped (the optimizer does not advance) and the scale is
/// multiplied by `backoffFactor` at the end of the iteration; after `growthInterval` iterations in a
/// row without one it is multiplied by `growthFactor`. Its state goes into every checkpoint.
public final class LossScaler {
    public struct Settings: Equatable, Sendable {
        public var initialScale = 65536.0
        public var growthFactor = 2.0
        public var backoffFactor = 0.5
        public var growthInterval = 2000
        public init() {}
    }

    /// What a checkpoint keeps of the scaler (exact resume).
    public struct State: Codable, Equatable, Sendable {
        public var scale: Double
        /// Iterations in a row without an overflow (GradScaler's growth tracker).
        public var goodSteps: Int
        public var skippedSteps: Int

        public init(scale: Double, goodSteps: Int, skippedSteps: Int) {
            self.scale = scale
            self.goodSteps = goodSteps
            self.skippedSteps = skippedSteps
        }
    }

    public let settings: Settings
    public private(set) var scale: Double
    public private(set) var goodSteps = 0
    /// Optimizer steps skipped for non-finite gradients since the run began.
    public private(set) var skippedSteps = 0
    /// Whether a step of the current iteration found non-finite gradients.
    public private(set) var foundNonFinite = false

    public init(_ settings: Settings = Settings()) {
        self.settings = settings
        scale = settings.initialScale
    }

    public var state: State { State(scale: scale, goodSteps: goodSteps, skippedSteps: skippedSteps) }

    public func restore(_ state: State) {
        scale = state.scale
        goodSteps = state.goodSteps
        skippedSteps = state.skippedSteps
        foundNonFinite = false
    }

    /// `loss` times the scale (what backward runs on).
    public func scaled(_ loss: Tensor) throws -> Tensor { try loss * scale }

    /// Checks the optimizer's gradients; finite ones are unscaled in place and the optimizer steps
    /// (returns true), otherwise the step is skipped (returns false) and the iteration marked.
    @discardableResult
    public func step(_ optimizer: Adam) throws -> Bool {
        // Data parallel: average the gradients first, so every rank sees the same overflow verdict.
        try optimizer.synchronizeGradients()
        let grads = optimizer.parameters.compactMap(\.grad)
        let finite = try withNoGrad { () throws -> Bool in
            // x * 0 is 0 for finite x and NaN for inf or NaN: one sum and one host read per step.
            var probe: Tensor?
            for g in grads {
                let s = try (g * 0.0).sum().float32()
                probe = try probe.map { try $0 + s } ?? s
            }
            if let probe, !(try probe.item().isFinite) { return false }
            let inverse = 1 / scale
            for g in grads { try g *= inverse }
            return true
        }
        guard finite else {
            optimizer.skipStep()
            foundNonFinite = true
            skippedSteps += 1
            return false
        }
        try optimizer.step()
        return true
    }

    /// Ends an iteration: back off after an overflow, grow after `growthInterval` clean iterations
    /// (never to infinity).
    public func update() {
        if foundNonFinite {
            scale *= settings.backoffFactor
            goodSteps = 0
        } else {
            goodSteps += 1
            if goodSteps >= settings.growthInterval {
                let grown = scale * settings.growthFactor
                if grown.isFinite { scale = grown }
                goodSteps = 0
            }
        }
        foundNonFinite = false
    }
}

/// How a training family runs its arithmetic: forward passes inside `autocast`, backward through
/// `backward` (scaled for fp16) and optimizer steps through `step` (unscaled, skipped on overflow), then
/// `endIteration`. For fp32 each is the plain operation, so fp32 results are unchanged.
public final class MixedPrecision {
    public let precision: Precision
    public let device: Device
    /// fp16's loss scaler (another precision may be given one, for tests).
    public let scaler: LossScaler?

    public static var fp32: MixedPrecision { MixedPrecision(unchecked: .fp32, device: .cpu, scaler: nil) }

    /// Checks that libtorch has `precision`'s kernels on `device` (libtorch 1.13 has no float16 CPU
    /// convolutions) and gives fp16 a loss scaler unless `scaler` is passed.
    public convenience init(_ precision: Precision, device: Device, scaler: LossScaler? = nil) throws {
        if let dtype = precision.autocastDType, !Autocast.supports(dtype, on: device) {
            throw TrainingError.invalidConfig(
                "--precision \(precision) is not supported on \(device) by libtorch \(Torch.version) (no \(dtype) convolution kernels there)"
                    + (device == .cpu ? "; use --precision bf16 on the CPU, or fp16 on CUDA" : ""))
        }
        self.init(unchecked: precision, device: device, scaler: scaler ?? (precision == .fp16 ? LossScaler() : nil))
    }

    init(unchecked precision: Precision, device: Device, scaler: LossScaler?) {
        self.precision = precision
        self.device = device
        self.scaler = scaler
    }

    /// Runs a forward pass under autocast (fp32: just runs it).
    public func autocast<R>(_ body: () throws -> R) throws -> R {
        guard let dtype = precision.autocastDType else { return try body() }
        return try Autocast.run(on: device, dtype: dtype, body)
    }

    /// Backward of `loss` (times the loss scale when there is a scaler). `communicates: false` for all but
    /// the last micro-batch of an accumulation: data parallel, its gradients only add up locally and the
    /// last backward sends the sums (DDP's `no_sync`).
    public func backward(_ loss: Tensor, communicates: Bool = true) throws {
        let run = { [scaler] in if let scaler { try scaler.scaled(loss).backward() } else { try loss.backward() } }
        if communicates { try run() } else { try GradientReducer.withoutCommunication(run) }
    }

    /// The optimizer's step; with a scaler, unscaled first and skipped on non-finite gradients.
    /// Returns whether the optimizer stepped.
    @discardableResult
    public func step(_ optimizer: Adam) throws -> Bool {
        if let scaler { return try scaler.step(optimizer) }
        try optimizer.step()
        return true
    }

    /// Ends a training iteration (the scaler's back-off or growth).
    public func endIteration() { scaler?.update() }

    /// What the iteration adds to the logged values (the loss scale, when there is a scaler).
    public var logged: [String: Double] { scaler.map { ["loss_scale": $0.scale] } ?? [:] }
}
