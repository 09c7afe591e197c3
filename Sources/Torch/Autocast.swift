import CTorch

/// libtorch's automatic mixed precision (torch.autocast): inside `Autocast.run`, ops on the eligible list
/// (convolutions, matmuls, linear) cast their inputs to the lower precision and run there, while
/// parameters stay float32 (the master weights) and gradients reach them in float32 through the casts.
/// `Autocast.disabled` carves out regions that must stay float32 (spectral-norm power iterations,
/// batch-norm statistics, losses), as `torch.autocast(enabled=False)` does. The state is per thread.
public enum Autocast {
    /// Whether autocast is on for `device`'s type on this thread.
    public static func isEnabled(_ device: Device) -> Bool { ct_autocast_is_enabled(device.code.type) == 1 }

    /// Whether autocast is on for any device type on this thread.
    public static var isActive: Bool { ct_autocast_is_enabled(0) == 1 || ct_autocast_is_enabled(1) == 1 }

    /// The lower precision autocast casts to on `device`'s type.
    public static func dtype(_ device: Device) -> DType? { DType(rawValue: ct_autocast_get_dtype(device.code.type)) }

    /// Runs `body` under autocast to `dtype` (bf16 or f16) for `device`'s type. Leaving the outermost
    /// scope drops libtorch's cache of cast weights, so the next forward sees the optimizer's update.
    /// Run backward outside the scope (as PyTorch recommends).
    public static func run<R>(on device: Device, dtype: DType, _ body: () throws -> R) throws -> R {
        let type = device.code.type
        guard dtype == .bf16 || dtype == .f16 else {
            throw TorchError("autocast", "autocast needs bf16 or f16, not \(dtype)")
        }
        let previousDType = ct_autocast_set_dtype(type, dtype.rawValue)
        try check(previousDType, "autocast")
        let previousEnabled = ct_autocast_set_enabled(type, true)
        try check(previousEnabled, "autocast")
        try check(ct_autocast_enter(), "autocast")
        defer {
            _ = ct_autocast_exit()
            _ = ct_autocast_set_enabled(type, previousEnabled == 1)
            _ = ct_autocast_set_dtype(type, previousDType)
        }
        return try body()
    }

    /// Runs `body` with autocast off on every device type (a float32 region inside an autocast scope);
    /// outside any scope it only calls `body`. Tensors made inside by autocast ops may still arrive in
    /// lower precision: cast them with `Tensor.float32()`.
    public static func disabled<R>(_ body: () throws -> R) rethrows -> R {
        let cpu = ct_autocast_is_enabled(0) == 1, cuda = ct_autocast_is_enabled(1) == 1
        guard cpu || cuda else { return try body() }
        if cpu { _ = ct_autocast_set_enabled(0, false) }
        if cuda { _ = ct_autocast_set_enabled(1, false) }
        defer {
            if cpu { _ = ct_autocast_set_enabled(0, true) }
            if cuda { _ = ct_autocast_set_enabled(1, true) }
        }
        return try body()
    }

    /// Whether libtorch has kernels for `dtype` convolutions and matmuls (forward and backward) on
    /// `device` (libtorch 1.13 has no float16 CPU kernels; 2.x has).
    public static func supports(_ dtype: DType, on device: Device) -> Bool {
        do {
            return try withGrad { () throws -> Bool in
                let x = try Tensor.ones([1, 2, 4, 4], dtype: dtype, device: device)
                let w = try Tensor.ones([2, 2, 3, 3], dtype: dtype, device: device).requiresGrad(true)
                let y = try Functional.conv2d(x, weight: w, padding: (1, 1))
                let m = try y.view([2, 16]).matmul(Tensor.ones([16, 2], dtype: dtype, device: device))
                try m.sum().backward()
                return true
            }
        } catch {
            return false
        }
    }
}

extension Tensor {
    /// This tensor in float32: itself when it already is, a differentiable cast otherwise.
    public func float32() throws -> Tensor { dtype == .f32 ? self : try to(dtype: .f32) }
}

/// Whether CUDA support was compiled into this build (libtorch_cuda linked), whatever devices exist.
extension Torch {
    public static var isCUDABuilt: Bool { ct_cuda_is_built() == 1 }
}
