import CheckpointFormats
import Foundation

// Bridges checkpoint files (safetensors, PyTorch .pth zip and legacy) and tensors.

extension DType {
    init(_ storage: StorageDType) {
        switch storage {
        case .f64: self = .f64
        case .f32: self = .f32
        case .f16: self = .f16
        case .bf16: self = .bf16
        case .i64: self = .i64
        case .i32: self = .i32
        case .i16: self = .i16
        case .i8: self = .i8
        case .u8: self = .u8
        case .bool: self = .bool
        }
    }

    var storage: StorageDType {
        switch self {
        case .f64: return .f64
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .i64: return .i64
        case .i32: return .i32
        case .i16: return .i16
        case .i8: return .i8
        case .u8: return .u8
        case .bool: return .bool
        }
    }
}

extension Tensor {
    /// A tensor holding a copy of host data read from a checkpoint.
    public convenience init(host: HostTensor, device: Device = .cpu) throws {
        try self.init(bytes: host.bytes, shape: host.shape, dtype: DType(host.dtype), device: device)
    }

    /// A host copy of this tensor's data, for writing.
    public func host() throws -> HostTensor {
        HostTensor(dtype: dtype.storage, shape: shape, bytes: try bytes())
    }
}

/// Reading and writing named tensors.
public enum StateDictFile {
    /// Reads safetensors or a PyTorch `torch.save` file (zip or legacy), chosen by content, in file order.
    public static func read(_ url: URL, device: Device = .cpu) throws -> [(name: String, tensor: Tensor)] {
        try readHost(url).map { ($0.name, try Tensor(host: $0.tensor, device: device)) }
    }

    /// The same as a dictionary.
    public static func readDictionary(_ url: URL, device: Device = .cpu) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in try read(url, device: device) { out[name] = t }
        return out
    }

    public static func readHost(_ url: URL) throws -> [(name: String, tensor: HostTensor)] {
        if try isPyTorchFile(url) { return try TorchCheckpoint.read(url) }
        return try Safetensors.read(url).tensors
    }

    /// Writes safetensors atomically.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to url: URL) throws {
        try Safetensors.write(tensors.map { ($0.name, try $0.tensor.host()) }, metadata: metadata, to: url)
    }

    /// Zip archives ("PK") and legacy pickles are PyTorch files; safetensors has an 8-byte header length
    /// followed by a JSON object, so its ninth byte is "{".
    static func isPyTorchFile(_ url: URL) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CheckpointError(file: url.path, reason: FileManager.default.fileExists(atPath: url.path)
                                  ? "cannot be opened for reading" : "no such file")
        }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 9))
        if head.starts(with: [0x50, 0x4B]) { return true }
        if head.count == 9, head[8] == UInt8(ascii: "{") { return false }
        return head.first == 0x80
    }
}


extension Module {
    /// Loads weights from a checkpoint file (see `loadStateDict` for the checks).
    public func load(from url: URL, strict: Bool = true, ignoring ignored: (String) -> Bool = { _ in false }) throws {
        let device = parameters().first?.device ?? .cpu
        try loadStateDict(StateDictFile.readDictionary(url, device: device), strict: strict, ignoring: ignored)
    }

    /// Saves every parameter and buffer as safetensors.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try StateDictFile.write(stateDict(), metadata: metadata, to: url)
    }
}
