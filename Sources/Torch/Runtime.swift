import CTorch
import Foundation

/// Process-wide libtorch settings.
public enum Torch {
    /// The libtorch version the shim was built against, e.g. "1.13.0".
    public static var version: String { String(cString: ct_version()) }

    /// Debian's libtorch starts with one intra-op thread; we default to every core
    /// (or `DEEPI2I_THREADS` / `OMP_NUM_THREADS` when set).
    static let bootstrap: Void = {
        let env = ProcessInfo.processInfo.environment
        let requested = env["DEEPI2I_THREADS"].flatMap(Int.init) ?? env["OMP_NUM_THREADS"].flatMap(Int.init)
        _ = ct_set_num_threads(Int32(max(1, requested ?? ProcessInfo.processInfo.activeProcessorCount)))
    }()

    public static var threadCount: Int {
        _ = bootstrap
        return Int(ct_get_num_threads())
    }

    public static func setThreadCount(_ n: Int) throws {
        _ = bootstrap
        guard n > 0 else { throw TorchError("setThreadCount", "thread count must be positive, got \(n)") }
        try check(ct_set_num_threads(Int32(n)), "setThreadCount")
    }

    /// Seeds the default CPU (and CUDA) generators.
    public static func manualSeed(_ seed: UInt64) throws {
        _ = bootstrap
        try check(ct_manual_seed(seed), "manualSeed")
    }

    public static var cudaDeviceCount: Int { max(0, Int(ct_cuda_device_count())) }

    public static var isGradEnabled: Bool { ct_is_grad_enabled() != 0 }

    /// Waits for queued CUDA work (for timing); a no-op on CPU-only builds.
    public static func synchronize(_ device: Device) throws {
        if case .cuda(let i) = device { try check(ct_cuda_synchronize(Int32(i)), "synchronize") }
    }
}

/// Runs `body` with gradient recording off on this thread (torch.no_grad()).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(false)
    defer { _ = ct_set_grad_enabled(previous != 0) }
    return try body()
}

/// Runs `body` with gradient recording on (inside a no-grad scope, for example).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ct_set_grad_enabled(true)
    defer { _ = ct_set_grad_enabled(previous != 0) }
    return try body()
}

/// A seedable random-number generator (CPU). Random tensors drawn with it on CUDA are drawn on the
/// CPU and moved, so a seed gives the same numbers on every device.
public final class RandomGenerator {
    let handle: OpaquePointer

    public init(seed: UInt64) throws {
        _ = Torch.bootstrap
        guard let h = ct_generator_new(seed) else { throw TorchError.last("RandomGenerator") }
        handle = h
    }

    deinit { ct_generator_free(handle) }

    /// The full generator state (a u8 tensor), for exact resumption.
    public func state() throws -> Tensor {
        try Tensor.wrap("RandomGenerator.state", ct_generator_get_state(handle))
    }

    public func setState(_ state: Tensor) throws {
        try check(ct_generator_set_state(handle, state.handle), "RandomGenerator.setState")
    }

    /// The default CPU generator's state (used by dropout and unseeded random ops).
    public static func defaultState() throws -> Tensor {
        try Tensor.wrap("RandomGenerator.defaultState", ct_generator_get_state(nil))
    }

    public static func setDefaultState(_ state: Tensor) throws {
        try check(ct_generator_set_state(nil, state.handle), "RandomGenerator.setDefaultState")
    }
}
