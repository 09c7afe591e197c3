import Foundation
import Pickle

/// torch.save's legacy format (before torch 1.6, or `_use_new_zipfile_serialization=False`):
/// consecutive pickles of the magic number, the protocol version (1001) and sys_info, then the
/// object graph, then the list of storage keys; then, for each key in that order, the element
/// count as int64 followed by the raw storage bytes.
enum TorchLegacyCheckpoint {
    /// 0x1950a86a20f9469cfc6c as pickled by LONG1: little-endian two's complement.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let protocolVersion = 1001

    static func read(_ raw: UnsafeRawBufferPointer, file: String) throws -> TorchCheckpointContents {
        func bad(_ reason: String) -> CheckpointError { CheckpointError(file: file, reason: reason) }
        func unpickle(_ offset: Int, _ what: String) throws -> (value: PickleValue, end: Int) {
            do { return try Unpickler.load(raw, from: offset) } catch { throw bad("corrupt \(what): \(error)") }
        }

        let magicPickle: (value: PickleValue, end: Int)
        do { magicPickle = try Unpickler.load(raw, from: 0) } catch { throw bad("bad magic: not a legacy torch.save file (\(error))") }
        guard case .bigInt(let m) = magicPickle.value, m == magic else {
            throw bad("bad magic number \(magicPickle.value): not a legacy torch.save file")
        }
        let version = try unpickle(magicPickle.end, "protocol version")
        guard version.value.intValue == protocolVersion else {
            throw bad("unsupported legacy protocol version \(version.value) (expected \(protocolVersion))")
        }
        let sysInfo = try unpickle(version.end, "sys_info")
        let bigEndian = sysInfo.value["little_endian"]?.boolValue == false
        let main = try unpickle(sysInfo.end, "object pickle")
        let keysPickle = try unpickle(main.end, "storage key list")
        guard let keyValues = keysPickle.value.sequenceItems else { throw bad("storage key list is not a list") }

        // Storage element sizes come from the persistent ids in the object pickle.
        var dtypes: [String: StorageDType] = [:]
        for id in try storageIDs(in: main.value, file: file) { dtypes[id.key] = id.dtype }

        var ranges: [String: Range<Int>] = [:]
        var position = keysPickle.end
        for keyValue in keyValues {
            guard let key = keyValue.stringValue ?? keyValue.intValue.map(String.init) else {
                throw bad("storage key \(keyValue) is not a string")
            }
            guard let dtype = dtypes[key] else { throw bad("storage '\(key)' is not referenced by the object pickle; its element type is unknown") }
            guard raw.count - position >= 8 else { throw bad("truncated storage '\(key)': its element count is missing at byte \(position)") }
            let stored = raw.loadUnaligned(fromByteOffset: position, as: Int64.self)
            let count = bigEndian ? Int64(bigEndian: stored) : Int64(littleEndian: stored)
            position += 8
            guard count >= 0, let bytes = checkedByteCount(Int(count), dtype), bytes <= raw.count - position else {
                throw bad("truncated storage '\(key)': \(count) \(dtype) elements, but only \(raw.count - position) bytes are left")
            }
            ranges[key] = position ..< position + bytes
            position += bytes
        }

        return try TorchCheckpoint.collect(main.value, file: file, bigEndian: bigEndian) { id in
            guard let range = ranges[id.key] else { throw bad("storage '\(id.key)' is not in the storage key list") }
            guard let need = checkedByteCount(id.numel, id.dtype), range.count >= need else {
                throw bad("storage '\(id.key)' holds \(range.count) bytes, fewer than \(id.numel) \(id.dtype) elements")
            }
            return Array(UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }
}
