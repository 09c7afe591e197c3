import Foundation
import Pickle
import ZIPFoundation

/// torch.save's zip format (torch >= 1.6): `<archive>/data.pkl` holds the object graph, each
/// storage is the entry `<archive>/data/<key>`, and `<archive>/byteorder` (if present) says
/// "little" or "big". The archive folder name is arbitrary.
enum TorchZipCheckpoint {
    static func read(_ url: URL) throws -> TorchCheckpointContents {
        let file = url.path
        func bad(_ reason: String) -> CheckpointError { CheckpointError(file: file, reason: reason) }

        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw bad("not a readable zip archive (truncated or corrupt): \(error)")
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? Int.max

        // One pass over the central directory; `archive[path]` would rescan it per storage.
        var entries: [String: Entry] = [:]
        for entry in archive where entries[entry.path] == nil { entries[entry.path] = entry }

        // data.pkl at the top level or one folder down.
        guard let pickleEntry = entries.values.sorted(by: { $0.path < $1.path }).first(where: { entry in
            let path = entry.path
            return path == "data.pkl" || (path.hasSuffix("/data.pkl") && path.dropLast(9).firstIndex(of: "/") == nil)
        }) else {
            throw bad("zip archive has no data.pkl: not a torch.save file")
        }
        let prefix = String(pickleEntry.path.dropLast("data.pkl".count))

        func extract(_ entry: Entry, verify: Bool) throws -> [UInt8] {
            var out: [UInt8] = []
            // A corrupt header may claim any size; never reserve more than the file could hold.
            out.reserveCapacity(Int(min(entry.uncompressedSize, UInt64(max(fileSize, 0)))))
            do {
                _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: !verify) { chunk in
                    out.append(contentsOf: chunk)
                }
            } catch {
                throw bad("cannot extract \(entry.path) (truncated or corrupt archive): \(error)")
            }
            guard UInt64(out.count) == entry.uncompressedSize else {
                throw bad("\(entry.path) is truncated: \(out.count) of \(entry.uncompressedSize) bytes")
            }
            return out
        }

        var bigEndian = false
        if let orderEntry = entries[prefix + "byteorder"] {
            let order = String(decoding: try extract(orderEntry, verify: true), as: UTF8.self)
            switch order.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "little": bigEndian = false
            case "big": bigEndian = true
            default: throw bad("unknown byteorder '\(order)'")
            }
        }

        // The pickle is small: check its CRC. Storage CRCs are skipped, like torch's own reader,
        // so large checkpoints load at I/O speed.
        let pickleBytes = try extract(pickleEntry, verify: true)
        let root: PickleValue
        do {
            root = try Unpickler.load(pickleBytes).value
        } catch {
            throw bad("corrupt \(pickleEntry.path): \(error)")
        }

        return try TorchCheckpoint.collect(root, file: file, bigEndian: bigEndian) { id in
            let path = prefix + "data/" + id.key
            guard let entry = entries[path] else { throw bad("storage \(path) is missing from the archive") }
            let bytes = try extract(entry, verify: false)
            guard let need = checkedByteCount(id.numel, id.dtype), bytes.count >= need else {
                throw bad("storage \(path) is truncated: \(bytes.count) bytes, but \(id.numel) \(id.dtype) elements need \(id.numel * id.dtype.byteSize)")
            }
            return bytes
        }
    }
}
