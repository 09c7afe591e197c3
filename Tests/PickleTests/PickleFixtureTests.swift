import Foundation
import Pickle
import XCTest

/// Decodes the pickles written by Fixtures/make_fixtures.py and checks the structure.
final class PickleFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    /// Two's complement little-endian bytes of a value given as (magnitude bytes LE, negative).
    static func bigInt(_ hexMagnitude: String, negative: Bool) -> PickleValue {
        var mag: [UInt8] = []
        var hex = Substring(hexMagnitude)
        while !hex.isEmpty {
            let byte = hex.suffix(2)
            mag.append(UInt8(byte, radix: 16)!)
            hex = hex.dropLast(byte.count)
        }
        mag.append(0)
        if negative {
            var carry: UInt16 = 1
            for i in mag.indices {
                let v = UInt16(~mag[i]) + carry
                mag[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return .bigInt(mag)
    }

    /// Protocol-independent form: older protocols spell bytes and sets as calls.
    static func normalize(_ v: PickleValue) -> PickleValue {
        switch v {
        case .reduce(.global("_codecs", "encode"), _):
            return v.bytesValue.map { .bytes($0) } ?? v
        case .reduce(.global("builtins", let name), .tuple(let args)) where (name == "set" || name == "frozenset") && args.count == 1:
            return normalize(args[0])
        case .tuple(let items): return .tuple(items.map(normalize))
        case .list(let items): return .list(items.map(normalize))
        case .dict(let items): return .dict(items.map { (key: normalize($0.key), value: normalize($0.value)) })
        // LONG1 may pad to a longer sign extension than our expectation; compare numerically via canonical form.
        case .bigInt(var bytes):
            while bytes.count > 1, bytes[bytes.count - 1] == (bytes[bytes.count - 2] & 0x80 != 0 ? 0xFF : 0) { bytes.removeLast() }
            return .bigInt(bytes)
        default: return v
        }
    }

    static var expectedObject: PickleValue {
        let shared: PickleValue = .list([.int(1), .int(2)])
        let ints: [Int] = [0, 1, -1, 255, 256, 65535, 65536, -(1 << 31), (1 << 31) - 1, 1 << 31, 1 << 62, Int.min, Int.max]
        let bigs: [PickleValue] = [
            bigInt("010000000000000000", negative: false),
            bigInt("010000000000000000", negative: true),
            bigInt("10000000000000000000000000", negative: false),
            bigInt("400000000000000003", negative: true),
        ]
        let floats: [PickleValue] = [.float(0), .float(-1.5), .float(3.141592653589793), .float(1e300)]
        let texts: [PickleValue] = [.string(""), .string("ascii"), .string("h\u{e9}llo \u{2603} \u{1F600}"), .string("line\nbreak\\back")]
        let tuples: [PickleValue] = [
            .tuple([.int(1)]), .tuple([.int(1), .int(2)]), .tuple([.int(1), .int(2), .int(3)]),
            .tuple([.int(1), .int(2), .int(3), .int(4)]),
        ]
        let nested: PickleValue = .dict([
            (key: .string("x"), value: .list([.list([]), .dict([])])),
            (key: .string("y"), value: .tuple(tuples)),
        ])
        var entries: [(key: PickleValue, value: PickleValue)] = []
        entries.append((key: .string("ints"), value: .list(ints.map { PickleValue.int($0) })))
        entries.append((key: .string("big"), value: .list(bigs.map(normalize))))
        entries.append((key: .string("floats"), value: .tuple(floats)))
        entries.append((key: .string("text"), value: .tuple(texts)))
        entries.append((key: .string("bytes"), value: .bytes([0, 1, 0xFE, 0xFF])))
        entries.append((key: .string("flags"), value: .tuple([.bool(true), .bool(false), .none])))
        entries.append((key: .string("shared1"), value: shared))
        entries.append((key: .string("shared2"), value: shared))
        entries.append((key: .string("nested"), value: nested))
        entries.append((key: .string("set"), value: .list([.int(7)])))
        entries.append((key: .string("frozen"), value: .list([.int(8)])))
        return .dict(entries)
    }

    func testObjectAllProtocols() throws {
        for proto in 0 ... 5 {
            let bytes = try fixture("object_p\(proto).pkl")
            let (value, end) = try Unpickler.load(bytes)
            XCTAssertEqual(end, bytes.count, "protocol \(proto)")
            let got = Self.normalize(value)
            let want = Self.expectedObject
            // Compare entry by entry so a failure names the key.
            guard let gotItems = got.dictItems, let wantItems = want.dictItems else { return XCTFail("not a dict: \(got)") }
            XCTAssertEqual(gotItems.map(\.key), wantItems.map(\.key), "protocol \(proto) keys")
            for (g, w) in zip(gotItems, wantItems) {
                XCTAssertEqual(g.value, w.value, "protocol \(proto) key \(g.key)")
            }
            XCTAssertEqual(got["text"]?[2]?.stringValue, "h\u{e9}llo \u{2603} \u{1F600}")
            XCTAssertEqual(got["ints"]?[12]?.intValue, Int.max)
        }
    }

    func checkNumpyU8(_ value: PickleValue, file: StaticString = #filePath, line: UInt = #line) {
        // ndarray = _reconstruct(ndarray, (0,), b'b') then BUILD(state = (1, shape, dtype, fortran, data)).
        guard case .build(.reduce(.global(let module, "_reconstruct"), _), let state) = value else {
            return XCTFail("unexpected numpy structure \(value)", file: file, line: line)
        }
        XCTAssertTrue(module.hasSuffix("multiarray"), file: file, line: line)
        XCTAssertEqual(state[0]?.intValue, 1, file: file, line: line)
        XCTAssertEqual(state[1]?.tupleItems?.compactMap(\.intValue), [2, 3], file: file, line: line)
        guard case .build(.reduce(.global("numpy", "dtype"), let dtypeArgs), _)? = state[2] else {
            return XCTFail("dtype \(String(describing: state[2]))", file: file, line: line)
        }
        XCTAssertEqual(dtypeArgs[0]?.stringValue, "u1", file: file, line: line)
        XCTAssertEqual(state[3]?.boolValue, false, file: file, line: line)
        XCTAssertEqual(state[4]?.bytesValue, [0, 1, 2, 3, 4, 5], file: file, line: line)
    }

    func testNumpyProtocol2And4() throws {
        for proto in [2, 4] {
            let bytes = try fixture("numpy_u8_p\(proto).pkl")
            checkNumpyU8(try Unpickler.load(bytes).value)
        }
    }

    func testNumpyFloat32Data() throws {
        let value = try Unpickler.load(try fixture("numpy_f32_p4.pkl")).value
        guard case .build(_, let state) = value, let data = state[4]?.bytesValue else { return XCTFail("\(value)") }
        let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(floats, [1.5, -2.0, 0.25, 8.0])
    }

    func testEveryTruncationThrows() throws {
        for name in ["object_p0.pkl", "object_p2.pkl", "object_p4.pkl", "numpy_u8_p2.pkl"] {
            let bytes = try fixture(name)
            for n in 0 ..< bytes.count {
                XCTAssertThrowsError(try Unpickler.load(Array(bytes[0 ..< n])), "\(name) prefix \(n)") { error in
                    XCTAssertTrue(error is PickleError)
                }
            }
        }
        let short = try fixture("object_p4.pkl")
        XCTAssertThrowsError(try Unpickler.load(Array(short.prefix(short.count - 1)))) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    /// Random byte flips, insertions, deletions and truncations must only throw or succeed.
    func testFuzzedInputsNeverCrash() throws {
        var rng = SplitMix64(seed: 0xDEEB12)
        var outcomes = (ok: 0, failed: 0)
        for name in ["object_p0.pkl", "object_p2.pkl", "object_p4.pkl", "object_p5.pkl", "numpy_u8_p2.pkl"] {
            let original = try fixture(name)
            for _ in 0 ..< 1500 {
                var bytes = original
                for _ in 0 ..< Int(rng.next() % 4) + 1 {
                    guard !bytes.isEmpty else { break }
                    let i = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 4 {
                    case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                    case 2: bytes.remove(at: i)
                    default: bytes = Array(bytes.prefix(i))
                    }
                }
                do {
                    _ = try Unpickler.load(bytes)
                    outcomes.ok += 1
                } catch is PickleError {
                    outcomes.failed += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes.failed, 0)
        XCTAssertEqual(outcomes.ok + outcomes.failed, 5 * 1500)
    }
}

/// Small deterministic PRNG for the fuzz test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
