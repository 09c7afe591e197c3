/// Element types that checkpoints store, with their names in each file format.
public enum StorageDType: String, CaseIterable, Sendable {
    case f64, f32, f16, bf16, i64, i32, i16, i8, u8, bool

    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// The `dtype` string in a safetensors header.
    public var safetensorsName: String {
        switch self {
        case .f64: return "F64"
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .i64: return "I64"
        case .i32: return "I32"
        case .i16: return "I16"
        case .i8: return "I8"
        case .u8: return "U8"
        case .bool: return "BOOL"
        }
    }

    public init?(safetensorsName: String) {
        guard let match = StorageDType.allCases.first(where: { $0.safetensorsName == safetensorsName }) else { return nil }
        self = match
    }

    /// The typed-storage class torch pickles for this dtype (`torch.<name>`).
    public var torchStorageName: String {
        switch self {
        case .f64: return "DoubleStorage"
        case .f32: return "FloatStorage"
        case .f16: return "HalfStorage"
        case .bf16: return "BFloat16Storage"
        case .i64: return "LongStorage"
        case .i32: return "IntStorage"
        case .i16: return "ShortStorage"
        case .i8: return "CharStorage"
        case .u8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    /// Accepts typed-storage class names; `UntypedStorage` is raw bytes.
    public init?(torchStorageName: String) {
        if torchStorageName == "UntypedStorage" { self = .u8; return }
        guard let match = StorageDType.allCases.first(where: { $0.torchStorageName == torchStorageName }) else { return nil }
        self = match
    }
}

/// A dense tensor in host memory: contiguous, row-major, little-endian.
public struct HostTensor: Equatable, Sendable {
    public var dtype: StorageDType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(dtype: StorageDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Product of the shape (1 for a scalar, shape []).
    public var elementCount: Int { shape.reduce(1, *) }
}
