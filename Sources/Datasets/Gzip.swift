import CCodecs

/// gzip inflation through zlib (CCodecs).
public enum Gzip {
    /// Inflates `bytes`; `maxOutput` caps the result so a gzip bomb fails instead of exhausting memory.
    public static func decompress(_ bytes: [UInt8], path: String = "<memory>", maxOutput: Int = 4 << 30) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: Int(CC_ERR_LEN))
        let status = bytes.withUnsafeBufferPointer { cc_gunzip($0.baseAddress, $0.count, maxOutput, &out, &length, &message) }
        defer { cc_free(out) }
        guard status == CC_OK, let out else {
            throw DatasetError.malformed(path: path, reason: "gzip: \(String(cString: message))")
        }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}
