@testable import CheckpointFormats
import Foundation
import Pickle
import XCTest

/// Fuzzes the unpickler, the torch legacy and zip readers and the safetensors header parser, with a
/// fixed seed and a fixed number of cases so that runs are reproducible and take seconds. Each case
/// is either generated from the format's structure (opcodes, torch tensor calls, zip fields, JSON
/// headers with odd values) or a valid file with random byte mutations. Every case must load or
/// throw the reader's typed error: a trap, a hang or another error type fails the suite.
final class LoaderFuzzTests: XCTestCase {
    static let seed: UInt64 = 0x14_14_14
    var dir: URL!
    override func setUpWithError() throws { dir = try Paths.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    // MARK: Unpickler

    func testUnpicklerFuzz() throws {
        var rng = FuzzRNG(seed: Self.seed)
        let seeds = try pickleSeeds()
        var outcomes = Outcomes()
        for i in 0 ..< 6000 {
            let bytes: [UInt8]
            switch i % 3 {
            case 0: bytes = randomOpcodes(&rng)
            case 1: bytes = rng.mutate(rng.pick(seeds), others: seeds)
            default: bytes = torchPickle(&rng)
            }
            outcomes.record(pickle: bytes, file: "case\(i)")
        }
        print("unpickler fuzz: \(outcomes)")
        XCTAssertEqual(outcomes.total, 6000)
        XCTAssertGreaterThan(outcomes.loaded, 300, "the generators should produce valid pickles too")
        XCTAssertEqual(outcomes.unexpected, [], "errors of an unexpected type")
    }

    // MARK: Torch legacy

    func testTorchLegacyFuzz() throws {
        var rng = FuzzRNG(seed: Self.seed + 1)
        let fixture = Array(try Data(contentsOf: Paths.fixtures.appendingPathComponent("ckpt_legacy.pth")))
        var outcomes = Outcomes()
        for i in 0 ..< 3000 {
            let bytes: [UInt8]
            if i % 2 == 0 {
                bytes = rng.mutate(fixture, others: [])
            } else {
                let (object, keys, storages) = torchObject(&rng)
                bytes = legacyCheckpoint(object: object, keys: keys, storages: storages)
            }
            outcomes.run("legacy \(i)") {
                try bytes.withUnsafeBytes { _ = try TorchLegacyCheckpoint.read($0, file: "case\(i)") }
            }
        }
        print("torch legacy fuzz: \(outcomes)")
        XCTAssertEqual(outcomes.total, 3000)
        XCTAssertGreaterThan(outcomes.loaded, 100)
        XCTAssertEqual(outcomes.unexpected, [])
    }

    // MARK: Torch zip

    func testTorchZipFuzz() throws {
        var rng = FuzzRNG(seed: Self.seed + 2)
        let fixture = Array(try Data(contentsOf: Paths.fixtures.appendingPathComponent("ckpt_zip.pth")))
        var outcomes = Outcomes()
        let url = dir.appendingPathComponent("fuzz.pth")
        for i in 0 ..< 800 {
            let bytes: [UInt8]
            switch i % 3 {
            case 0: bytes = rng.mutate(fixture, others: [])
            case 1:
                // Structure-aware: a torch-shaped archive with odd sizes, CRCs or entries.
                let (object, keys, storages) = torchObject(&rng)
                var zip = ZipBuilder()
                if rng.below(8) != 0 { zip.add("archive/data.pkl", object) }
                if rng.below(6) == 0 { zip.add("archive/byteorder", Array(rng.pick(["little", "big", "middle", ""]).utf8)) }
                for (key, storage) in Swift.zip(keys, storages) where rng.below(10) != 0 { zip.add("archive/data/\(key)", storage.bytes) }
                for j in zip.entries.indices {
                    if rng.below(10) == 0 { zip.entries[j].crc = UInt32(truncatingIfNeeded: rng.next()) }
                    if rng.below(10) == 0 { zip.entries[j].declaredSize = rng.pick([0, 1, 100, UInt32.max, 1 << 31]) }
                }
                bytes = zip.build()
            default:
                // The same, then byte-mutated (headers are a large part of these small files).
                let (object, keys, storages) = torchObject(&rng)
                var zip = ZipBuilder()
                zip.add("archive/data.pkl", object)
                for (key, storage) in Swift.zip(keys, storages) { zip.add("archive/data/\(key)", storage.bytes) }
                bytes = rng.mutate(zip.build(), others: [])
            }
            try Data(bytes).write(to: url)
            outcomes.run("zip \(i)") { _ = try TorchCheckpoint.read(url) }
        }
        print("torch zip fuzz: \(outcomes)")
        XCTAssertEqual(outcomes.total, 800)
        XCTAssertGreaterThan(outcomes.loaded, 30)
        XCTAssertEqual(outcomes.unexpected, [])
    }

    // MARK: Safetensors

    func testSafetensorsHeaderFuzz() throws {
        var rng = FuzzRNG(seed: Self.seed + 3)
        let valid = try validSafetensors()
        var outcomes = Outcomes()
        let url = dir.appendingPathComponent("fuzz.safetensors")
        for i in 0 ..< 4000 {
            let bytes = i % 2 == 0 ? rng.mutate(valid, others: []) : randomSafetensors(&rng)
            if i % 10 == 0 {
                try Data(bytes).write(to: url)
                outcomes.run("safetensors file \(i)") { _ = try Safetensors.read(url) }
            } else {
                outcomes.run("safetensors \(i)") { try bytes.withUnsafeBytes { _ = try Safetensors.parse($0, file: "case\(i)") } }
            }
        }
        print("safetensors fuzz: \(outcomes)")
        XCTAssertEqual(outcomes.total, 4000)
        XCTAssertGreaterThan(outcomes.loaded, 200)
        XCTAssertEqual(outcomes.unexpected, [])
    }

    // MARK: Generators

    func pickleSeeds() throws -> [[UInt8]] {
        let folder = Paths.testDir.deletingLastPathComponent().appendingPathComponent("PickleTests/Fixtures")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".pkl") }.sorted()
        XCTAssertFalse(files.isEmpty)
        var seeds = try files.map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
        var rng = FuzzRNG(seed: 7)
        for _ in 0 ..< 8 { seeds.append(torchPickle(&rng)) }
        seeds.append(sharedSubtreePickle(depth: 30))
        return seeds
    }

    /// A random opcode program: each opcode with well-formed arguments, in random order (so most fail
    /// on stack shape, and some build odd but valid objects).
    func randomOpcodes(_ rng: inout FuzzRNG) -> [UInt8] {
        var out: [UInt8] = rng.below(2) == 0 ? [0x80, UInt8(rng.below(6))] : []
        let simple: [UInt8] = [0x28, 0x30, 0x31, 0x32, 0x4E, 0x88, 0x89, 0x29, 0x5D, 0x7D, 0x8F, 0x74, 0x85, 0x86, 0x87,
                               0x6C, 0x64, 0x61, 0x65, 0x73, 0x75, 0x90, 0x91, 0x94, 0x93, 0x52, 0x81, 0x92, 0x62, 0x51,
                               0x6F, 0x98, 0x97, 0x82]
        for _ in 0 ..< 1 + rng.below(60) {
            switch rng.below(12) {
            case 0 ..< 5: out.append(rng.pick(simple))
            case 5: out += [0x4B, UInt8(rng.below(256))]
            case 6: out.append(0x4A); out += le(UInt32(truncatingIfNeeded: rng.next()))
            case 7:
                let n = rng.below(12)
                out += [0x8A, UInt8(n)] + (0 ..< n).map { _ in UInt8(rng.below(256)) }
            case 8:
                let s = Array(rng.pick(["", "a", "storage", "torch", "é", "FloatStorage", "_rebuild_tensor_v2"]).utf8)
                out += [0x8C, UInt8(s.count)] + s
            case 9: out += [rng.pick([0x71, 0x68]), UInt8(rng.below(4))] // BINPUT / BINGET a few slots
            case 10:
                out.append(0x63)
                out += Array("\(rng.pick(["torch._utils", "collections", "torch", "builtins", "__builtin__"]))\n\(rng.pick(["_rebuild_tensor_v2", "OrderedDict", "FloatStorage", "set", "_rebuild_parameter"]))\n".utf8)
            default:
                // Protocol-0 text opcodes.
                out += rng.pick([Array("I12\n".utf8), Array("I99999999999999999999999\n".utf8), Array("L-5L\n".utf8),
                                 Array("S'a\\x41'\n".utf8), Array("Vx\\u00e9\n".utf8), Array("F1.5\n".utf8), Array("p0\n".utf8),
                                 Array("g0\n".utf8), Array("I01\n".utf8), Array("Pkey\n".utf8)])
            }
        }
        if rng.below(8) != 0 { out.append(0x2E) }
        return out
    }

    /// A torch-shaped pickle: an OrderedDict of `_rebuild_tensor_v2` calls with odd storage types,
    /// sizes, strides, offsets and views; some entries shared through the memo.
    func torchPickle(_ rng: inout FuzzRNG) -> [UInt8] { torchObject(&rng).object }

    func torchObject(_ rng: inout FuzzRNG) -> (object: [UInt8], keys: [String], storages: [(count: Int64, bytes: [UInt8])]) {
        let interesting = [0, 1, 2, 3, 4, 7, -1, 1 << 20, 1 << 40, Int.max, Int.min, 1 << 62]
        func value(_ rng: inout FuzzRNG) -> Int { rng.below(3) == 0 ? rng.pick(interesting) : rng.below(5) }
        var p = PickleWriter()
        p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
        p.mark()
        var keys: [String] = []
        var storages: [(count: Int64, bytes: [UInt8])] = []
        for t in 0 ..< 1 + rng.below(5) {
            p.string("t\(t)")
            if t > 0, rng.below(5) == 0 {
                p.get(UInt8(rng.below(t)))
            } else {
                let key = String(rng.below(3))
                let numel = rng.below(4) == 0 ? value(&rng) : 1 + rng.below(12)
                let rank = rng.below(4)
                let size = (0 ..< rank).map { _ in value(&rng) }
                let stride = (0 ..< (rng.below(10) == 0 ? rank + 1 : rank)).map { _ in value(&rng) }
                let view: (Int, Int)? = rng.below(8) == 0 ? (value(&rng), value(&rng)) : nil
                p.tensor(storageType: rng.pick(["FloatStorage", "FloatStorage", "LongStorage", "HalfStorage", "BoolStorage", "NoStorage"]),
                         key: key, numel: numel, offset: rng.below(4) == 0 ? value(&rng) : 0, size: size, stride: stride, view: view)
                if !keys.contains(key) {
                    keys.append(key)
                    let count = max(0, min(numel, 64))
                    let bytes = (0 ..< max(0, count * 8 - (rng.below(6) == 0 ? 1 : 0))).map { _ in UInt8(rng.below(256)) }
                    storages.append((rng.below(10) == 0 ? Int64(value(&rng)) : Int64(count), bytes))
                }
            }
            p.put(UInt8(t))
        }
        p.op(0x75)
        p.stop()
        return (p.bytes, keys, storages)
    }

    func validSafetensors() throws -> [UInt8] {
        let url = dir.appendingPathComponent("valid.safetensors")
        try Safetensors.write([("a", .make(.f32, [2, 2], [Float(1), 2, 3, 4])), ("b", .make(.u8, [3], [UInt8(1), 2, 3])),
                               ("e", HostTensor(dtype: .f16, shape: [0], bytes: []))], metadata: ["k": "v"], to: url)
        return Array(try Data(contentsOf: url))
    }

    /// A header built from random entries: real and fake dtypes, odd shapes (negative, fractional,
    /// huge) and offsets that overlap, leave gaps or run past the data; sometimes wrong JSON types.
    func randomSafetensors(_ rng: inout FuzzRNG) -> [UInt8] {
        let dims = ["0", "1", "2", "3", "-1", "2.5", "1e3", "9223372036854775807", "18446744073709551616", "\"2\"", "null"]
        var parts: [String] = []
        var offset = 0
        for t in 0 ..< rng.below(5) {
            let dtype = rng.pick(["F32", "F16", "U8", "BOOL", "I64", "Q7", "f32", ""])
            let shape = (0 ..< rng.below(4)).map { _ in rng.below(3) == 0 ? rng.pick(dims) : String(rng.below(4)) }
            let length = rng.below(24)
            var begin = offset, end = offset + length
            switch rng.below(6) {
            case 0: begin = max(0, begin - rng.below(8)) // overlap
            case 1: begin += rng.below(8); end += rng.below(8) // gap
            case 2: end = rng.pick([-1, 1 << 40, Int.max])
            default: break
            }
            offset = min(max(end, 0), 1 << 20)
            var fields = ["\"dtype\":\"\(dtype)\"", "\"shape\":[\(shape.joined(separator: ","))]", "\"data_offsets\":[\(begin),\(end)]"]
            if rng.below(10) == 0 { fields.remove(at: rng.below(fields.count)) }
            let entry = rng.below(15) == 0 ? rng.pick(["3", "[]", "\"x\"", "{}"]) : "{" + fields.joined(separator: ",") + "}"
            parts.append("\"t\(t)\":\(entry)")
        }
        if rng.below(4) == 0 { parts.append(rng.pick(["\"__metadata__\":{\"a\":\"b\"}", "\"__metadata__\":{\"a\":1}", "\"__metadata__\":[]"])) }
        let header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        var length = UInt64(header.count)
        if rng.below(12) == 0 { length = rng.pick([0, UInt64.max, 1 << 40, length + 1]) }
        var out = withUnsafeBytes(of: length.littleEndian) { Array($0) }
        out += header
        out += [UInt8](repeating: 0, count: max(0, offset) % 4096 + (rng.below(4) == 0 ? rng.below(4) : 0))
        return out
    }

    private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// Counts of what the cases did, and any error that was not one of the readers' own types.
struct Outcomes: CustomStringConvertible {
    var total = 0
    var loaded = 0
    var refused = 0
    var unexpected: [String] = []

    mutating func run(_ label: String, _ body: () throws -> Void) {
        total += 1
        do {
            try body()
            loaded += 1
        } catch is CheckpointError, is PickleError {
            refused += 1
        } catch {
            if unexpected.count < 10 { unexpected.append("\(label): \(type(of: error)) \(error)") }
        }
    }

    /// Unpickles, then walks the value the way the loaders do (description, storage ids, tensors).
    mutating func record(pickle bytes: [UInt8], file: String) {
        run(file) {
            let value = try Unpickler.load(bytes).value
            _ = value.description
            _ = try? storageIDs(in: value, file: file)
            _ = try TorchCheckpoint.collect(value, file: file, bigEndian: false) { id in
                [UInt8](repeating: 1, count: min(max(0, id.numel), 64) * id.dtype.byteSize)
            }
        }
    }

    var description: String { "\(total) cases, \(loaded) loaded, \(refused) refused with a typed error, \(unexpected.count) other" }
}

/// SplitMix64 (fixed sequence for a seed) plus the byte mutations.
struct FuzzRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// One to four random edits: bit flips, interesting bytes and integers, inserts, deletes,
    /// duplicated runs, truncation, or a splice from another seed.
    mutating func mutate(_ input: [UInt8], others: [[UInt8]]) -> [UInt8] {
        var b = input
        for _ in 0 ..< 1 + below(4) {
            guard !b.isEmpty else { b = [UInt8(below(256))]; continue }
            let at = below(b.count)
            switch below(9) {
            case 0: b[at] ^= UInt8(1 << below(8))
            case 1: b[at] = pick([0x00, 0xFF, 0x7F, 0x80, 0x01, 0x2E, 0x28])
            case 2:
                let value: UInt64 = pick([0, UInt64.max, 0x7FFF_FFFF, 0x8000_0000, 1 << 40, UInt64(Int64.max), 0xFFFF_FFFF])
                let width = pick([2, 4, 8])
                for k in 0 ..< min(width, b.count - at) { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            case 3: b.insert(contentsOf: (0 ..< 1 + below(8)).map { _ in UInt8(below(256)) }, at: at)
            case 4: b.removeSubrange(at ..< min(b.count, at + 1 + below(16)))
            case 5:
                let end = min(b.count, at + 1 + below(32))
                b.insert(contentsOf: Array(b[at ..< end]), at: below(b.count))
            case 6: b.removeSubrange(at...)
            case 7:
                if let other = others.isEmpty ? nil : pick(others), !other.isEmpty {
                    let start = below(other.count)
                    b.replaceSubrange(at ..< min(b.count, at + 16), with: other[start ..< min(other.count, start + 1 + below(32))])
                }
            default: b[at] = UInt8(below(256))
            }
        }
        return b
    }
}
