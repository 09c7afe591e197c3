import Foundation
import Pickle
import ZIPFoundation

/// torch.save's zip format (torch >= 1.6): `<archive>/data.pkl` holds the object graph, each
/// storage is the entry `<archive>/data/<key>`, and `<archive>/byteorder` (if present) says
/// "little" or "big". The archive folder name is arbitrary.
enum TorchZipCheckpoint {
    /// Bytes all entries of one archive may inflate to: torch stores entries uncompressed, so a real
    /// checkpoint inflates to less than its file size; re-zipped ones (deflated float data) barely
    /// shrink. Four times the file plus 64 MiB leaves room for both and stops zip bombs.
    static func maxInflatedBytes(fileSize: Int) -> UInt64 {
        let size = min(UInt64(max(fileSize, 0)), 1 << 56)
        return size * 4 + (64 << 20)
    }

    static func read(_ url: URL) throws -> TorchCheckpointContents {
        let file = url.path
        func bad(_ reason: String) -> CheckpointError { CheckpointError(file: file, reason: reason) }

        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw bad("not a readable zip archive (truncated or corrupt): \(error)")
        }
        guard let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int else {
            throw bad("cannot read the file's size")
        }

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

        // Inflation is budgeted before it starts: an entry's declared sizes must fit the file (stored)
        // or the deflate ratio cap, and all entries together may not inflate past `maxInflatedBytes`.
        var inflatedTotal: UInt64 = 0
        let inflationCap = TorchZipCheckpoint.maxInflatedBytes(fileSize: fileSize)
        func extract(_ entry: Entry) throws -> [UInt8] {
            let declared = entry.uncompressedSize
            guard entry.compressedSize <= UInt64(max(fileSize, 0)) else {
                throw bad("\(entry.path) declares \(entry.compressedSize) compressed bytes, more than the file's \(fileSize)")
            }
            if !entry.isCompressed, declared != entry.compressedSize {
                throw bad("\(entry.path) is stored uncompressed but declares \(declared) bytes for \(entry.compressedSize) stored")
            }
            guard declared <= inflationCap, inflatedTotal + declared <= inflationCap else {
                throw bad("\(entry.path) declares \(declared) bytes; with the \(inflatedTotal) already extracted that is over "
                    + "the \(inflationCap)-byte limit for this \(fileSize)-byte file (a zip bomb, or a corrupt header)")
            }
            inflatedTotal += declared
            var out: [UInt8] = []
            out.reserveCapacity(Int(declared))
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in
                    // Never inflate past what the header declared, whatever the stream holds.
                    guard out.count + chunk.count <= Int(declared) else {
                        throw CheckpointError(file: file, reason: "\(entry.path) inflates to more than its declared \(declared) bytes")
                    }
                    out.append(contentsOf: chunk)
                }
            } catch let error as CheckpointError {
                throw error
            } catch {
                throw bad("cannot extract \(entry.path) (truncated or corrupt archive): \(error)")
            }
            guard UInt64(out.count) == declared else {
                throw bad("\(entry.path) is truncated: \(out.count) of \(declared) bytes")
            }
            guard checksum == entry.checksum else {
                throw bad("\(entry.path) fails its CRC-32 check (stored \(String(entry.checksum, radix: 16)), "
                    + "computed \(String(checksum, radix: 16))): the file is corrupt")
            }
            return out
        }

        var bigEndian = false
        if let orderEntry = entries[prefix + "byteorder"] {
            let order = String(decoding: try extract(orderEntry), as: UTF8.self)
            switch order.trimmingCharacters(in: .whitespacesAndNewlines) {
            case "little": bigEndian = false
            case "big": bigEndian = true
            default: throw bad("unknown byteorder '\(order)'")
            }
        }

        let pickleBytes = try extract(pickleEntry)
        let root: PickleValue
        do {
            root = try Unpickler.load(pickleBytes).value
        } catch {
            throw bad("corrupt \(pickleEntry.path): \(error)")
        }

        return try TorchCheckpoint.collect(root, file: file, bigEndian: bigEndian) { id in
            let path = prefix + "data/" + id.key
            guard let entry = entries[path] else { throw bad("storage \(path) is missing from the archive") }
            let bytes = try extract(entry)
            guard let need = checkedByteCount(id.numel, id.dtype), bytes.count >= need else {
                throw bad("storage \(path) is truncated: \(bytes.count) bytes, but \(id.numel) \(id.dtype) elements need \(checkedByteCount(id.numel, id.dtype).map(String.init) ?? "more than 2^63")")
            }
            return bytes
        }
    }
}
