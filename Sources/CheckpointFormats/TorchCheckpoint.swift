import Foundation
import Pickle

/// What a `torch.save` file holds: its dense tensors, and the names of entries that are not tensors.
public struct TorchCheckpointContents: Sendable {
    /// Tensors in file order; nested dict keys joined with "." (list/tuple items by index).
    /// A file whose top-level object is a single tensor yields one entry named "".
    public var tensors: [(name: String, tensor: HostTensor)]
    /// Names of non-tensor entries (numbers, strings, unsupported tensor kinds), skipped.
    public var skipped: [String]
    /// The skipped entries that are plain numbers (e.g. an optimizer state's integer `step`), with their values.
    public var scalars: [String: Double] = [:]
}

/// Reader for PyTorch `torch.save` files, without libtorch.
public enum TorchCheckpoint {
    /// Reads a PyTorch `torch.save` file: the zip format (torch >= 1.6) and the legacy pre-zip
    /// format. Returns every tensor found in the top-level object: a state dict (OrderedDict), or
    /// a dict of state dicts / nested dicts (keys joined with "."), in file order. Non-tensor
    /// entries are skipped (`load` lists them).
    public static func read(_ url: URL) throws -> [(name: String, tensor: HostTensor)] {
        try load(url).tensors
    }

    /// Like `read`, also naming the entries that were skipped.
    public static func load(_ url: URL) throws -> TorchCheckpointContents {
        let data = try FileIO.contents(of: url)
        let path = url.path
        let head = [UInt8](data.prefix(4))
        if head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06] {
            return try TorchZipCheckpoint.read(url)
        }
        if head.first == 0x80 {
            return try data.withUnsafeBytes { try TorchLegacyCheckpoint.read($0, file: path) }
        }
        if data.count > 262, data[data.startIndex + 257 ..< data.startIndex + 262] == Data("ustar".utf8) {
            throw CheckpointError(file: path, reason: "tar-format checkpoints (torch < 0.4) are not supported")
        }
        let hex = head.map { String($0, radix: 16) }.joined(separator: " ")
        throw CheckpointError(file: path, reason: "bad magic: not a PyTorch checkpoint (starts with \(hex))")
    }

    /// Parses an already-unpickled top-level object; shared by both container formats.
    static func collect(_ root: PickleValue, file: String, bigEndian: Bool,
                        loadStorage: @escaping (StorageID) throws -> [UInt8]) throws -> TorchCheckpointContents {
        var collector = TensorCollector(file: file, bigEndian: bigEndian, loadStorage: loadStorage)
        try collector.collect(root)
        return TorchCheckpointContents(tensors: collector.tensors, skipped: collector.skipped, scalars: collector.scalars)
    }
}
