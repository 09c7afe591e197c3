import Foundation

/// Writers for the containers the loaders read, so tests can build well-formed and hostile
/// checkpoints byte by byte: pickle opcodes, torch's legacy stream, a stored (uncompressed) zip.

/// A pickle assembled from opcodes (protocol 2 framing; no memo unless asked for).
struct PickleWriter {
    var bytes: [UInt8] = [0x80, 0x02]

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func int(_ v: Int) {
        if v >= 0, v < 256 { bytes += [0x4B, UInt8(v)] }
        else if v >= Int(Int32.min), v <= Int(Int32.max) { bytes.append(0x4A); bytes += le(Int32(v)) }
        else { bytes += [0x8A, 8]; bytes += le(Int64(v)) } // LONG1, 8 bytes
    }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        if u.count < 256 { bytes += [0x8C, UInt8(u.count)] } else { bytes.append(0x58); bytes += le(UInt32(u.count)) }
        bytes += u
    }
    mutating func global(_ module: String, _ name: String) { bytes.append(0x63); bytes += Array("\(module)\n\(name)\n".utf8) }
    mutating func mark() { op(0x28) }
    mutating func tuple() { op(0x74) } // TUPLE (from MARK)
    mutating func put(_ i: UInt8) { bytes += [0x71, i] }
    mutating func get(_ i: UInt8) { bytes += [0x68, i] }
    mutating func stop() { op(0x2E) }

    /// Pushes a torch `_rebuild_tensor_v2` call on a persistent storage id.
    mutating func tensor(storageType: String, key: String, numel: Int, offset: Int, size: [Int], stride: [Int],
                         view: (offset: Int, size: Int)? = nil) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark(); string("storage"); global("torch", storageType); string(key); string("cpu"); int(numel)
        if let view { mark(); string(key + "v"); int(view.offset); int(view.size); tuple() }
        tuple(); op(0x51) // BINPERSID
        int(offset)
        mark(); for s in size { int(s) }; tuple()
        mark(); for s in stride { int(s) }; tuple()
        op(0x89) // NEWFALSE (requires_grad)
        global("collections", "OrderedDict"); op(0x29); op(0x52) // OrderedDict()
        tuple()
        op(0x52) // REDUCE
    }

    private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// torch.save's legacy stream: magic, protocol version, sys_info, the object pickle, the key list,
/// then each storage as an int64 element count and its bytes.
func legacyCheckpoint(object: [UInt8], keys: [String], storages: [(count: Int64, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    out += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] // BININT2 1001
    var info = PickleWriter()
    info.op(0x7D); info.string("little_endian"); info.op(0x88); info.op(0x73); info.stop()
    out += info.bytes
    out += object
    var list = PickleWriter()
    list.mark(); for k in keys { list.string(k) }; list.op(0x6C); list.stop()
    out += list.bytes
    for s in storages {
        out += withUnsafeBytes(of: s.count.littleEndian) { Array($0) }
        out += s.bytes
    }
    return out
}

/// A zip archive with every entry stored (as torch writes them), CRCs computed unless overridden.
struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var crc: UInt32?
        var declaredSize: UInt32?
    }
    var entries: [Entry] = []

    mutating func add(_ name: String, _ data: [UInt8]) { entries.append(Entry(name: name, data: data)) }

    func build() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { a += withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        for e in entries {
            let name = Array(e.name.utf8)
            let crc = e.crc ?? crc32(e.data)
            let size = e.declaredSize ?? UInt32(e.data.count)
            let offset = UInt32(out.count)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0, &out)
            u32(crc, &out); u32(UInt32(e.data.count), &out); u32(size, &out); u16(name.count, &out); u16(0, &out)
            out += name; out += e.data
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(crc, &central); u32(UInt32(e.data.count), &central); u32(size, &central)
            u16(name.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central); central += name
        }
        let cdOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }
}

func crc32(_ data: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0 ..< 8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// The ~450-byte pickle of issue #14: a tuple of two references to the previous tuple, `depth` deep
/// (2^depth leaves when walked as a tree).
func sharedSubtreePickle(depth: Int = 64) -> [UInt8] {
    var out: [UInt8] = [0x80, 0x02, 0x29, 0x71, 0x00]
    for i in 0 ..< depth { out += [0x68, UInt8(i), 0x68, UInt8(i), 0x86, 0x71, UInt8(i + 1)] }
    out.append(0x2E)
    return out
}
