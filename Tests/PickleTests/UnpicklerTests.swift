import Pickle
import XCTest

/// Hand-assembled pickles for opcode semantics and error paths.
final class UnpicklerTests: XCTestCase {
    func load(_ bytes: [UInt8]) throws -> PickleValue { try Unpickler.load(bytes).value }
    func load(_ text: String) throws -> PickleValue { try load(Array(text.utf8)) }

    func testMemoSharesMutableList() throws {
        // EMPTY_LIST, BINPUT 0, BINGET 0, BININT1 1, APPEND (to the copy on top), TUPLE2, STOP
        let value = try load([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x4B, 0x01, 0x61, 0x86, 0x2E])
        XCTAssertEqual(value, .tuple([.list([.int(1)]), .list([.int(1)])]))
    }

    func testOrderedDictReduceThenSetItems() throws {
        // collections.OrderedDict() then SETITEMS on the result, then BUILD with attributes (torch state dicts).
        var b: [UInt8] = [0x80, 0x02]
        b += Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52]
        b += [0x28] + Array("X".utf8) + [1, 0, 0, 0] + Array("a".utf8) + [0x4B, 5, 0x75]
        b += [0x7D, 0x62, 0x2E]
        let value = try load(b)
        XCTAssertEqual(value, .build(object: .dict([(key: .string("a"), value: .int(5))]), state: .dict([])))
    }

    func testProtocol0Forms() throws {
        XCTAssertEqual(try load("I01\n."), .bool(true))
        XCTAssertEqual(try load("I-42\n."), .int(-42))
        XCTAssertEqual(try load("L123L\n."), .int(123))
        XCTAssertEqual(try load("F2.5\n."), .float(2.5))
        XCTAssertEqual(try load("S'a\\nb\\x41\\''\n."), .bytes(Array("a\nbA'".utf8)))
        XCTAssertEqual(try load("Vcaf\\u00e9 \\U0001f600\n."), .string("caf\u{e9} \u{1F600}"))
        XCTAssertEqual(try load("((lp0\nI1\naI2\na(dp1\nVk\np2\nNsg0\ntp3\n."),
                       .tuple([.list([.int(1), .int(2)]), .dict([(key: .string("k"), value: .none)]), .list([.int(1), .int(2)])]))
        XCTAssertEqual(try load("c__builtin__\nset\n."), .global(module: "builtins", name: "set"))
        XCTAssertEqual(try load("Pstorage0\n."), .persistent(.string("storage0")))
        // 2**70 as decimal text becomes two's complement bytes.
        XCTAssertEqual(try load("L1180591620717411303424L\n."), .bigInt([0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0]))
    }

    func testBinaryIntsAndLongs() throws {
        XCTAssertEqual(try load([0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]), .int(-1))
        XCTAssertEqual(try load([0x4D, 0x34, 0x12, 0x2E]), .int(0x1234))
        XCTAssertEqual(try load([0x8A, 0x00, 0x2E]), .int(0))
        XCTAssertEqual(try load([0x8A, 0x01, 0xFF, 0x2E]), .int(-1))
        XCTAssertEqual(try load([0x8A, 0x02, 0xFF, 0x00, 0x2E]), .int(255))
        XCTAssertEqual(try load([0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x2E]), .int(Int.min))
        XCTAssertEqual(try load([0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x2E]), .bigInt([0, 0, 0, 0, 0, 0, 0, 0x80, 0]))
        XCTAssertEqual(try load([0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x2E]), .float(1.5))
        XCTAssertEqual(try load([0x54, 2, 0, 0, 0, 0x61, 0x62, 0x2E]), .bytes([0x61, 0x62]))
    }

    func testStackGlobalNewObjAndPersistentId() throws {
        var b: [UInt8] = [0x80, 0x04, 0x8C, 5] + Array("torch".utf8) + [0x8C, 12] + Array("FloatStorage".utf8) + [0x93]
        b += [0x29, 0x81] // NEWOBJ with ()
        b += [0x8C, 1, 0x30, 0x85, 0x51, 0x86, 0x2E] // ('0',) BINPERSID, TUPLE2
        XCTAssertEqual(try load(b), .tuple([
            .reduce(callable: .global(module: "torch", name: "FloatStorage"), args: .tuple([])),
            .persistent(.tuple([.string("0")])),
        ]))
    }

    func testLoadFromOffsetReturnsEnd() throws {
        let two: [UInt8] = [0x4B, 7, 0x2E, 0x80, 0x02, 0x4B, 9, 0x2E]
        let first = try Unpickler.load(two)
        XCTAssertEqual(first.value, .int(7))
        XCTAssertEqual(first.end, 3)
        let second = try Unpickler.load(two, from: first.end)
        XCTAssertEqual(second.value, .int(9))
        XCTAssertEqual(second.end, two.count)
        XCTAssertThrowsError(try Unpickler.load(two, from: 99))
    }

    func testErrorsNameTheProblem() {
        func expect(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) {
            XCTAssertThrowsError(try Unpickler.load(bytes), line: line) { error in
                guard let e = error as? PickleError else { return XCTFail("\(error)", line: line) }
                XCTAssertTrue(e.description.contains(fragment), "\(e) lacks '\(fragment)'", line: line)
            }
        }
        expect([], "before STOP")
        expect([0xFF, 0x2E], "unknown opcode")
        expect([0x80, 0x09, 0x4E, 0x2E], "unsupported pickle protocol")
        expect([0x58, 0x34, 0, 0, 0, 0x61], "BINUNICODE")
        expect([0x68, 0x03, 0x2E], "memo key 3")
        expect([0x2E], "empty stack")
        expect([0x7D, 0x28, 0x4E, 0x75, 0x2E], "odd number")
        expect([0x4E, 0x4E, 0x61, 0x2E], "not a list")
        expect([0x4E, 0x4E, 0x4E, 0x73, 0x2E], "not a dict")
        expect([0x74, 0x2E], "MARK")
        expect([0x58, 0x02, 0, 0, 0, 0xC3, 0x28, 0x2E], "UTF-8")
        expect([0x82, 0x01, 0x2E], "extension")
        // A list appended to itself is a cycle: refused instead of recursing forever.
        expect([0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E], "self-referencing")
        // Very deep nesting is refused instead of exhausting the stack.
        expect([UInt8](repeating: 0x5D, count: 5000) + [UInt8](repeating: 0x61, count: 4999) + [0x2E], "nesting")
        // A 2**62-byte BINUNICODE8 length must not be trusted.
        expect([0x8D, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x2E], "declares")
    }

    func testAccessors() throws {
        let v: PickleValue = .dict([(key: .string("a"), value: .list([.int(1), .float(2)])), (key: .int(3), value: .bool(true))])
        XCTAssertEqual(v["a"]?.listItems?.count, 2)
        XCTAssertEqual(v["a"]?[1]?.doubleValue, 2)
        XCTAssertNil(v["missing"])
        XCTAssertEqual(v.dictItems?[1].value.boolValue, true)
        XCTAssertEqual(PickleValue.global(module: "torch", name: "HalfStorage").globalName, "torch.HalfStorage")
        XCTAssertEqual(PickleValue.reduce(callable: .global(module: "_codecs", name: "encode"),
                                          args: .tuple([.string("\u{0}\u{ff}"), .string("latin1")])).bytesValue, [0, 255])
        XCTAssertEqual(v.description, "{'a': [1, 2.0], 3: True}")
    }
}
