import Foundation

/// The safetensors format: u64 little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the data
/// block; offsets are relative to the start of the data block.
public enum Safetensors {
    /// Reads every tensor, in data-offset order (the order they were written), plus the metadata.
    /// The header is validated before any data is read; each tensor is then read straight into its
    /// buffer (no memory map, so a file truncated meanwhile fails with an error, not SIGBUS).
    public static func read(_ url: URL) throws -> (tensors: [(name: String, tensor: HostTensor)], metadata: [String: String]) {
        let file = try ReadOnlyFile(url)
        defer { file.close() }
        guard file.size > 0 else { throw CheckpointError(file: url.path, reason: "file is empty (0 bytes)") }
        guard file.size >= 8 else { throw CheckpointError(file: url.path, reason: "too short for a safetensors header (\(file.size) bytes)") }
        let lengthBytes = try file.bytes(8, at: 0)
        let headerLength = try checkedHeaderLength(lengthBytes, fileSize: file.size, file: url.path)
        let header = try file.bytes(headerLength, at: 8)
        let dataStart = 8 + headerLength
        let (entries, metadata) = try header.withUnsafeBytes {
            try parseHeader($0, dataSize: file.size - dataStart, file: url.path)
        }
        let tensors = try entries.map { entry -> (name: String, tensor: HostTensor) in
            (entry.name, HostTensor(dtype: entry.dtype, shape: entry.shape,
                                    bytes: try file.bytes(entry.end - entry.begin, at: dataStart + entry.begin)))
        }
        return (tensors, metadata)
    }

    /// Parses a safetensors image held in memory. `file` only names the source in errors.
    public static func parse(_ raw: UnsafeRawBufferPointer, file: String) throws -> (tensors: [(name: String, tensor: HostTensor)], metadata: [String: String]) {
        guard raw.count >= 8 else { throw CheckpointError(file: file, reason: "too short for a safetensors header (\(raw.count) bytes)") }
        let headerLength = try checkedHeaderLength(Array(raw.prefix(8)), fileSize: raw.count, file: file)
        let dataStart = 8 + headerLength
        let (entries, metadata) = try parseHeader(UnsafeRawBufferPointer(rebasing: raw[8 ..< dataStart]),
                                                  dataSize: raw.count - dataStart, file: file)
        let tensors = entries.map { entry -> (name: String, tensor: HostTensor) in
            let bytes = Array(UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin) ..< (dataStart + entry.end)]))
            return (entry.name, HostTensor(dtype: entry.dtype, shape: entry.shape, bytes: bytes))
        }
        return (tensors, metadata)
    }

    /// One tensor's header entry; offsets are relative to the data block.
    struct Entry { let name: String; let dtype: StorageDType; let shape: [Int]; let begin: Int; let end: Int }

    static func checkedHeaderLength(_ field: [UInt8], fileSize: Int, file: String) throws -> Int {
        let headerLength = field.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(fileSize - 8) else {
            throw CheckpointError(file: file, reason: "header length \(headerLength) exceeds the \(fileSize - 8) bytes after the length field (truncated or not safetensors)")
        }
        return Int(headerLength)
    }

    /// Validates the JSON header against a data block of `dataSize` bytes: the tensors, in file order,
    /// must tile the data block exactly (no overlaps, no gaps, nothing after the last), as the format requires.
    static func parseHeader(_ headerBytes: UnsafeRawBufferPointer, dataSize: Int, file: String) throws -> (entries: [Entry], metadata: [String: String]) {
        func bad(_ reason: String) -> CheckpointError { CheckpointError(file: file, reason: reason) }
        let headerData = Data(headerBytes)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw bad("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw bad("header is not a JSON object") }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(header.count)
        for (name, value) in header {
            if name == "__metadata__" {
                guard let dict = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in dict {
                    guard let s = v as? String else { throw bad("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw bad("tensor '\(name)': entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("tensor '\(name)': missing dtype") }
            guard let dtype = StorageDType(safetensorsName: dtypeName) else {
                throw bad("tensor '\(name)': unsupported dtype '\(dtypeName)'")
            }
            guard let shape = jsonInts(info["shape"]) else { throw bad("tensor '\(name)': shape is not a list of integers") }
            guard let offsets = jsonInts(info["data_offsets"]), offsets.count == 2 else {
                throw bad("tensor '\(name)': data_offsets is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw bad("tensor '\(name)': bad data_offsets [\(begin), \(end)]") }
            guard end <= dataSize else {
                throw bad("tensor '\(name)': data_offsets [\(begin), \(end)] out of range (data block has \(dataSize) bytes)")
            }
            guard let count = checkedElementCount(shape), let bytes = checkedByteCount(count, dtype) else {
                throw bad("tensor '\(name)': invalid shape \(shape)")
            }
            guard bytes == end - begin else {
                throw bad("tensor '\(name)': shape \(shape) of \(dtypeName) needs \(bytes) bytes but data_offsets span \(end - begin)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // File order; ties (empty tensors) by name so the result is deterministic.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        var previous: Entry?
        for entry in entries {
            if entry.begin < position, let p = previous {
                throw bad("tensors '\(p.name)' and '\(entry.name)' overlap ([\(p.begin), \(p.end)) and [\(entry.begin), \(entry.end)))")
            }
            if entry.begin > position {
                throw bad("gap in the data block: bytes [\(position), \(entry.begin)) before tensor '\(entry.name)' belong to no tensor")
            }
            position = entry.end
            previous = entry
        }
        guard position == dataSize else {
            throw bad("gap in the data block: its last \(dataSize - position) bytes (from \(position) of \(dataSize)) belong to no tensor")
        }
        return (entries, metadata)
    }

    /// Writes tensors in the given order, with `metadata` as `__metadata__` (omitted when empty).
    /// Atomic: written to a temporary file beside `url`, then renamed over it.
    public static func write(_ tensors: [(name: String, tensor: HostTensor)], metadata: [String: String], to url: URL) throws {
        let file = url.path
        var seen = Set<String>()
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for (name, tensor) in tensors {
            guard name != "__metadata__" else { throw CheckpointError(file: file, reason: "tensor name '__metadata__' is reserved") }
            guard seen.insert(name).inserted else { throw CheckpointError(file: file, reason: "duplicate tensor name '\(name)'") }
            guard let count = checkedElementCount(tensor.shape), let size = checkedByteCount(count, tensor.dtype) else {
                throw CheckpointError(file: file, reason: "tensor '\(name)': invalid shape \(tensor.shape)")
            }
            guard size == tensor.bytes.count else {
                throw CheckpointError(file: file, reason: "tensor '\(name)': shape \(tensor.shape) of \(tensor.dtype) needs \(size) bytes, has \(tensor.bytes.count)")
            }
            if !first { json += "," }
            first = false
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            json += "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        json += "}"
        var header = Array(json.utf8)
        // Pad with spaces so the data block starts 8-byte aligned (what the reference writer does).
        while header.count % 8 != 0 { header.append(0x20) }
        var length = UInt64(header.count).littleEndian

        try FileIO.writeAtomically(to: url) { write in
            try withUnsafeBytes(of: &length) { try write($0) }
            try header.withUnsafeBytes { try write($0) }
            for (_, tensor) in tensors { try tensor.bytes.withUnsafeBytes { try write($0) } }
        }
    }

    /// A JSON array of integers (NSNumber-backed on Linux), or nil.
    private static func jsonInts(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        out.reserveCapacity(array.count)
        for element in array {
            // Reject fractional numbers, which Foundation would otherwise truncate to Int.
            guard let number = element as? NSNumber, Double(number.int64Value) == number.doubleValue else { return nil }
            out.append(Int(number.int64Value))
        }
        return out
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
