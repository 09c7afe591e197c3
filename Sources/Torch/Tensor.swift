import CTorch

/// A libtorch tensor. The handle is freed as soon as the last Swift reference goes away, so memory
/// is released deterministically. Operations return new tensors; the few in-place ones end in `_`.
public final class Tensor {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { ct_free(handle) }

    /// Wraps a shim result, turning NULL into the thread's pending error.
    @inline(__always)
    static func wrap(_ operation: @autoclosure () -> String, _ result: OpaquePointer?) throws -> Tensor {
        guard let result else { throw TorchError.last(operation()) }
        return Tensor(handle: result)
    }

    // MARK: Properties

    public var rank: Int { Int(ct_dim(handle)) }

    public var shape: [Int] {
        let n = rank
        if n == 0 { return [] }
        var out = [Int64](repeating: 0, count: n)
        _ = out.withUnsafeMutableBufferPointer { ct_shape(handle, $0.baseAddress) }
        return out.map(Int.init)
    }

    public var strides: [Int] {
        let n = rank
        if n == 0 { return [] }
        var out = [Int64](repeating: 0, count: n)
        _ = out.withUnsafeMutableBufferPointer { ct_strides(handle, $0.baseAddress) }
        return out.map(Int.init)
    }

    /// Size of one dimension; negative indices count from the end.
    public func size(_ dim: Int) -> Int {
        let s = shape
        return s[dim < 0 ? s.count + dim : dim]
    }

    public var elementCount: Int { Int(ct_numel(handle)) }

    public var dtype: DType {
        // Every tensor this module creates has one of the supported dtypes.
        DType(rawValue: ct_dtype(handle)) ?? .f32
    }

    public var device: Device {
        var type: Int32 = 0, index: Int32 = 0
        _ = ct_device(handle, &type, &index)
        return type == 1 ? .cuda(Int(index)) : .cpu
    }

    public var isContiguous: Bool { ct_is_contiguous(handle) == 1 }

    public var requiresGrad: Bool { ct_requires_grad(handle) == 1 }

    /// Marks a leaf tensor as trainable (or not); returns self for chaining.
    @discardableResult
    public func requiresGrad(_ flag: Bool) throws -> Tensor {
        try check(ct_set_requires_grad(handle, flag), "requiresGrad")
        return self
    }

    /// A second Swift reference to the same libtorch tensor (same storage and autograd node).
    public func alias() throws -> Tensor { try Tensor.wrap("alias", ct_alias(handle)) }

    // MARK: Creation

    /// Copies `values` into a new tensor of `shape` (row-major).
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int], device: Device = .cpu) throws {
        let count = shape.reduce(1, *)
        guard values.count == count else {
            throw TorchError("Tensor(values:shape:)", "\(values.count) values do not fill shape \(shape) (\(count) elements)")
        }
        let h = try values.withUnsafeBytes { try Tensor.makeHandle(bytes: $0, shape: shape, dtype: T.dtype, device: device) }
        self.init(handle: h)
    }

    /// A 1-D tensor.
    public convenience init<T: TensorScalar>(_ values: [T], device: Device = .cpu) throws {
        try self.init(values, shape: [values.count], device: device)
    }

    /// A 0-D tensor.
    public convenience init<T: TensorScalar>(scalar: T, device: Device = .cpu) throws {
        try self.init([scalar], shape: [], device: device)
    }

    /// Copies a raw little-endian buffer holding `shape` elements of `dtype`.
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType, device: Device = .cpu) throws {
        self.init(handle: try Tensor.makeHandle(bytes: bytes, shape: shape, dtype: dtype, device: device))
    }

    /// Copies `bytes` (a whole array) holding `shape` elements of `dtype`.
    public convenience init(bytes: [UInt8], shape: [Int], dtype: DType, device: Device = .cpu) throws {
        let h = try bytes.withUnsafeBytes { try Tensor.makeHandle(bytes: $0, shape: shape, dtype: dtype, device: device) }
        self.init(handle: h)
    }

    static func makeHandle(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType, device: Device) throws -> OpaquePointer {
        _ = Torch.bootstrap
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), bytes.count == count * dtype.byteSize else {
            throw TorchError("Tensor(bytes:)", "\(bytes.count) bytes do not match shape \(shape) of \(dtype)")
        }
        let dims = shape.map(Int64.init)
        let (dt, di) = device.code
        let h = dims.withUnsafeBufferPointer { d in
            ct_from_data(bytes.baseAddress, d.baseAddress, Int32(d.count), dtype.rawValue, dt, di)
        }
        guard let h else { throw TorchError.last("Tensor(bytes:)") }
        return h
    }

    typealias ShapeFactory = (UnsafePointer<Int64>?, Int32, Int32, Int32, Int32) -> OpaquePointer?

    static func make(_ name: String, _ shape: [Int], _ dtype: DType, _ device: Device, _ f: ShapeFactory) throws -> Tensor {
        _ = Torch.bootstrap
        let dims = shape.map(Int64.init)
        let (dt, di) = device.code
        return try wrap(name, dims.withUnsafeBufferPointer { f($0.baseAddress, Int32($0.count), dtype.rawValue, dt, di) })
    }

    public static func zeros(_ shape: [Int], dtype: DType = .f32, device: Device = .cpu) throws -> Tensor {
        try make("zeros", shape, dtype, device) { ct_zeros($0, $1, $2, $3, $4) }
    }

    public static func ones(_ shape: [Int], dtype: DType = .f32, device: Device = .cpu) throws -> Tensor {
        try make("ones", shape, dtype, device) { ct_ones($0, $1, $2, $3, $4) }
    }

    public static func empty(_ shape: [Int], dtype: DType = .f32, device: Device = .cpu) throws -> Tensor {
        try make("empty", shape, dtype, device) { ct_empty($0, $1, $2, $3, $4) }
    }

    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .f32, device: Device = .cpu) throws -> Tensor {
        try make("full", shape, dtype, device) { ct_full($0, $1, value, $2, $3, $4) }
    }

    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .i64,
                              device: Device = .cpu) throws -> Tensor {
        _ = Torch.bootstrap
        let (dt, di) = device.code
        return try wrap("arange", ct_arange(start, end, step, dtype.rawValue, dt, di))
    }

    /// Uniform [0, 1).
    public static func rand(_ shape: [Int], generator: RandomGenerator? = nil, dtype: DType = .f32,
                            device: Device = .cpu) throws -> Tensor {
        try withExtendedLifetime(generator) {
            try make("rand", shape, dtype, device) { ct_rand($0, $1, generator?.handle, $2, $3, $4) }
        }
    }

    /// Standard normal.
    public static func randn(_ shape: [Int], generator: RandomGenerator? = nil, dtype: DType = .f32,
                             device: Device = .cpu) throws -> Tensor {
        try withExtendedLifetime(generator) {
            try make("randn", shape, dtype, device) { ct_randn($0, $1, generator?.handle, $2, $3, $4) }
        }
    }

    /// Integers uniform in [low, high), dtype i64.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], generator: RandomGenerator? = nil,
                               device: Device = .cpu) throws -> Tensor {
        _ = Torch.bootstrap
        let dims = shape.map(Int64.init)
        let (dt, di) = device.code
        return try withExtendedLifetime(generator) {
            try wrap("randint", dims.withUnsafeBufferPointer {
                ct_randint(Int64(low), Int64(high), $0.baseAddress, Int32($0.count), generator?.handle, dt, di)
            })
        }
    }

    public static func randperm(_ n: Int, generator: RandomGenerator? = nil) throws -> Tensor {
        _ = Torch.bootstrap
        return try withExtendedLifetime(generator) { try wrap("randperm", ct_randperm(Int64(n), generator?.handle)) }
    }

    /// Fills with N(mean, std) in place (no autograd); returns self.
    @discardableResult
    public func normal_(mean: Double = 0, std: Double = 1, generator: RandomGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { _ = try Tensor.wrap("normal_", ct_normal_(handle, mean, std, generator?.handle)) }
        return self
    }

    @discardableResult
    public func uniform_(from: Double = 0, to: Double = 1, generator: RandomGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { _ = try Tensor.wrap("uniform_", ct_uniform_(handle, from, to, generator?.handle)) }
        return self
    }

    /// torch.nn.init.orthogonal_ (BigGAN's default initialisation).
    @discardableResult
    public func orthogonal_(gain: Double = 1, generator: RandomGenerator? = nil) throws -> Tensor {
        try withExtendedLifetime(generator) { _ = try Tensor.wrap("orthogonal_", ct_orthogonal_(handle, gain, generator?.handle)) }
        return self
    }

    // MARK: Reading data back

    /// The elements in row-major order, converted to `T`'s dtype first when needed.
    public func toArray<T: TensorScalar>(of type: T.Type = T.self) throws -> [T] {
        let source = dtype == T.dtype ? self : try to(dtype: T.dtype)
        let n = source.elementCount
        var out = [T](unsafeUninitializedCapacity: n) { _, count in count = n }
        try out.withUnsafeMutableBytes { buffer in
            try check(ct_copy_to_host(source.handle, buffer.baseAddress, buffer.count), "toArray")
        }
        return out
    }

    /// The raw bytes (row-major, little-endian) of this tensor's data.
    public func bytes() throws -> [UInt8] {
        let n = elementCount * dtype.byteSize
        var out = [UInt8](repeating: 0, count: n)
        try out.withUnsafeMutableBytes { buffer in
            try check(ct_copy_to_host(handle, buffer.baseAddress, buffer.count), "bytes")
        }
        return out
    }

    /// The value of a one-element tensor.
    public func item() throws -> Double {
        let v = ct_item_double(handle)
        if let error = ct_last_error() { throw TorchError("item", String(cString: error)) }
        return v
    }

    public func itemInt() throws -> Int {
        let v = ct_item_int64(handle)
        if let error = ct_last_error() { throw TorchError("itemInt", String(cString: error)) }
        return Int(v)
    }

    // MARK: Conversion and copies

    public func to(_ device: Device) throws -> Tensor {
        let (dt, di) = device.code
        return try Tensor.wrap("to(\(device))", ct_to(handle, dt, di, dtype.rawValue, false))
    }

    public func to(dtype: DType) throws -> Tensor {
        let (dt, di) = device.code
        return try Tensor.wrap("to(\(dtype))", ct_to(handle, dt, di, dtype.rawValue, false))
    }

    public func to(_ device: Device, dtype: DType) throws -> Tensor {
        let (dt, di) = device.code
        return try Tensor.wrap("to", ct_to(handle, dt, di, dtype.rawValue, false))
    }

    public func clone() throws -> Tensor { try Tensor.wrap("clone", ct_clone(handle)) }

    /// A tensor sharing data but cut from the autograd graph.
    public func detached() throws -> Tensor { try Tensor.wrap("detach", ct_detach(handle)) }

    /// Copies `source` into this tensor in place, without recording autograd (broadcasts, converts dtype/device).
    public func copy_(from source: Tensor) throws {
        try check(ct_copy_(handle, source.handle), "copy_")
    }

    /// Replaces this tensor's data (and device/dtype) keeping its identity, as `param.data = new` does.
    public func setData(_ source: Tensor) throws {
        try check(ct_set_data(handle, source.handle), "setData")
    }

    public func fill_(_ value: Double) throws { try check(ct_fill_(handle, value), "fill_") }

    public func zero_() throws { try check(ct_zero_(handle), "zero_") }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        guard let s = ct_to_string(handle) else { return "Tensor(<unprintable>)" }
        defer { ct_free_string(s) }
        return String(cString: s)
    }
}

/// Runs `body` with a C array of handles that stays valid for the call.
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<OpaquePointer?>?, Int32) throws -> R) rethrows -> R {
    let handles: [OpaquePointer?] = tensors.map { $0.handle }
    return try withExtendedLifetime(tensors) {
        try handles.withUnsafeBufferPointer { try body($0.baseAddress, Int32($0.count)) }
    }
}

/// Runs `body` with an Int64 array.
@inline(__always)
func withInt64<R>(_ values: [Int], _ body: (UnsafePointer<Int64>?, Int32) throws -> R) rethrows -> R {
    let v = values.map(Int64.init)
    return try v.withUnsafeBufferPointer { try body($0.baseAddress, Int32($0.count)) }
}
