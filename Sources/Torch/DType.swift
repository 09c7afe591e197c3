/// Element types; raw values are c10::ScalarType codes, stable across libtorch versions.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case u8 = 0
    case i8 = 1
    case i16 = 2
    case i32 = 3
    case i64 = 4
    case f16 = 5
    case f32 = 6
    case f64 = 7
    case bool = 11
    case bf16 = 15

    public var byteSize: Int {
        switch self {
        case .u8, .i8, .bool: return 1
        case .i16, .f16, .bf16: return 2
        case .i32, .f32: return 4
        case .i64, .f64: return 8
        }
    }

    public var isFloatingPoint: Bool { [.f16, .bf16, .f32, .f64].contains(self) }

    public var description: String {
        switch self {
        case .u8: return "u8"
        case .i8: return "i8"
        case .i16: return "i16"
        case .i32: return "i32"
        case .i64: return "i64"
        case .f16: return "f16"
        case .f32: return "f32"
        case .f64: return "f64"
        case .bool: return "bool"
        case .bf16: return "bf16"
        }
    }
}

/// Swift scalar types that map directly onto a tensor dtype.
public protocol TensorScalar {
    static var dtype: DType { get }
}
extension Float: TensorScalar { public static var dtype: DType { .f32 } }
extension Double: TensorScalar { public static var dtype: DType { .f64 } }
extension Int64: TensorScalar { public static var dtype: DType { .i64 } }
extension Int32: TensorScalar { public static var dtype: DType { .i32 } }
extension Int16: TensorScalar { public static var dtype: DType { .i16 } }
extension Int8: TensorScalar { public static var dtype: DType { .i8 } }
extension UInt8: TensorScalar { public static var dtype: DType { .u8 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }
#if !(os(macOS) && arch(x86_64))
extension Float16: TensorScalar { public static var dtype: DType { .f16 } }
#endif
