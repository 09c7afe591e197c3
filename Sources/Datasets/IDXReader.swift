/// Reader for the IDX format of (Fashion-)MNIST: magic 0x0000 <type> <ndims>, big-endian
/// dimensions, then the raw data. Only unsigned-byte data (type 0x08) is used by these sets.
public struct IDXArray {
    public var shape: [Int]
    public var data: [UInt8]

    public init(bytes: [UInt8], path: String) throws {
        func fail(_ reason: String) -> DatasetError { .malformed(path: path, reason: "IDX: \(reason)") }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw fail("bad magic") }
        guard bytes[2] == 0x08 else { throw fail("element type \(bytes[2]) is not uint8") }
        let dimensions = Int(bytes[3])
        let header = 4 + 4 * dimensions
        guard dimensions > 0, bytes.count >= header else { throw fail("truncated header") }
        shape = (0..<dimensions).map { d in
            let o = 4 + 4 * d
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        let count = shape.reduce(1, *)
        guard bytes.count - header == count else { throw fail("\(bytes.count - header) data bytes for shape \(shape)") }
        data = Array(bytes[header...])
    }
}
