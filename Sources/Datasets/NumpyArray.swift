import Foundation
import Pickle

/// A numpy ndarray recovered from a pickle: shape, dtype string (e.g. "<u1", "<i8", "<f4") and raw bytes.
public struct NumpyArray {
    public var shape: [Int]
    public var dtype: String
    public var isFortranOrder: Bool
    public var data: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    /// Decodes `numpy.core.multiarray._reconstruct(ndarray, ...)` followed by BUILD with state
    /// `(version, shape, dtype, is_fortran, raw_bytes)`; the dtype is itself
    /// `numpy.dtype(kind, ...)` + BUILD whose state carries the byte-order character.
    public init(pickle value: PickleValue, path: String) throws {
        func fail(_ reason: String) -> DatasetError { .malformed(path: path, reason: "numpy pickle: \(reason)") }
        guard case .build(let object, let state) = value,
              case .reduce(let callable, _) = object,
              case .global(let module, let name) = callable,
              module.hasPrefix("numpy"), name == "_reconstruct" else { throw fail("not an ndarray reconstruction") }
        guard case .tuple(let items) = state, items.count == 5 else { throw fail("unexpected ndarray state") }
        guard case .tuple(let dims) = items[1] else { throw fail("shape is not a tuple") }
        shape = try dims.map { dim -> Int in
            guard case .int(let n) = dim, n >= 0 else { throw fail("bad dimension") }
            return n
        }
        // dtype: BUILD(REDUCE(numpy.dtype, (kind, False, True)), (3, '<', ...))
        // A dtype seen before is a memo reference to the REDUCE alone (its BUILD state, with the
        // byte order, is not repeated); numpy's pickles come from little-endian machines then.
        var dtypeObject = items[2]
        var dtypeState = PickleValue.none
        if case .build(let object, let state) = items[2] { dtypeObject = object; dtypeState = state }
        guard case .reduce(_, let dtypeArgs) = dtypeObject,
              case .tuple(let dtypeItems) = dtypeArgs, let kind = dtypeItems.first.flatMap(Self.text) else {
            throw fail("unexpected dtype")
        }
        var order = "<"
        if case .tuple(let stateItems) = dtypeState, stateItems.count > 1, let text = Self.text(stateItems[1]) { order = text }
        dtype = (order == "|" ? "" : order) + kind
        if case .bool(let fortran) = items[3] { isFortranOrder = fortran } else { isFortranOrder = false }
        if let bytes = items[4].bytesValue {
            // Also covers Python 3 protocol-2 pickles, which store the buffer as _codecs.encode(str, "latin1").
            data = bytes
        } else if case .string(let string) = items[4] {
            // Protocol-2 pickles written by Python 2 store the buffer as a str; latin-1 maps it back to bytes.
            data = string.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        } else {
            throw fail("array data is not bytes")
        }
        let itemSize = Int(kind.dropFirst()) ?? 0
        guard itemSize > 0, data.count == count * itemSize else {
            throw fail("\(data.count) bytes for shape \(shape) of \(dtype)")
        }
        guard !isFortranOrder || shape.count <= 1 else { throw fail("Fortran-order arrays are not supported") }
    }

    private static func text(_ value: PickleValue) -> String? {
        switch value {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    private var bigEndian: Bool { dtype.hasPrefix(">") }
    private var kind: String { String(dtype.drop { "<>|=".contains($0) }) }

    /// Elements as UInt8 (dtype u1 only).
    public func uint8s(path: String) throws -> [UInt8] {
        guard kind == "u1" else { throw DatasetError.malformed(path: path, reason: "expected uint8 array, got \(dtype)") }
        return data
    }

    /// Elements as Int (dtype i8, i4 or u1).
    public func ints(path: String) throws -> [Int] {
        switch kind {
        case "u1": return data.map(Int.init)
        case "i8", "i4":
            let size = kind == "i8" ? 8 : 4
            return stride(from: 0, to: data.count, by: size).map { offset in
                var value: UInt64 = 0
                for k in 0..<size {
                    let byte = UInt64(data[offset + (bigEndian ? size - 1 - k : k)])
                    value |= byte << UInt64(8 * k)
                }
                return size == 8 ? Int(Int64(bitPattern: value)) : Int(Int32(truncatingIfNeeded: value))
            }
        default: throw DatasetError.malformed(path: path, reason: "expected integer array, got \(dtype)")
        }
    }

    /// Elements as Float (dtype f4).
    public func floats(path: String) throws -> [Float] {
        guard kind == "f4" else { throw DatasetError.malformed(path: path, reason: "expected float32 array, got \(dtype)") }
        if !bigEndian {
            // Bulk copy: this path reads MNIST's 55 M floats.
            return [Float](unsafeUninitializedCapacity: data.count / 4) { buffer, initialized in
                data.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { buffer.baseAddress.map { memcpy($0, base, data.count / 4 * 4) } }
                }
                initialized = data.count / 4
            }
        }
        return stride(from: 0, to: data.count, by: 4).map { o in
            let bits = bigEndian
                ? UInt32(data[o]) << 24 | UInt32(data[o + 1]) << 16 | UInt32(data[o + 2]) << 8 | UInt32(data[o + 3])
                : UInt32(data[o + 3]) << 24 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 1]) << 8 | UInt32(data[o])
            return Float(bitPattern: bits)
        }
    }
}
