/// Decodes pickles (protocols 0-5) into `PickleValue` without executing anything.
///
/// Every read is bounds-checked against the buffer and every length field is capped by the bytes
/// that remain, so malformed input throws `PickleError` instead of trapping. Each opcode consumes at
/// least one byte, so parsing always terminates.
public enum Unpickler {
    /// Parses one pickle starting at `offset`; returns the value and the offset just past its STOP opcode.
    public static func load(_ bytes: UnsafeRawBufferPointer, from offset: Int = 0) throws -> (value: PickleValue, end: Int) {
        guard offset >= 0, offset <= bytes.count else {
            throw PickleError(offset: offset, reason: "start offset \(offset) outside a buffer of \(bytes.count) bytes")
        }
        var machine = Machine(buf: bytes, pos: offset)
        defer { machine.releaseGraph() }
        return try machine.run()
    }

    /// Parses one pickle starting at `offset`; returns the value and the offset just past its STOP opcode.
    public static func load(_ bytes: [UInt8], from offset: Int = 0) throws -> (value: PickleValue, end: Int) {
        try bytes.withUnsafeBytes { try load($0, from: offset) }
    }
}

// MARK: - Parse-time object graph

/// Parse-time object. Containers are reference nodes so that objects fetched from the memo see
/// later mutation (APPEND, SETITEMS, BUILD) exactly as Python's shared objects would.
enum Item {
    case leaf(PickleValue)
    case node(Node)
}

final class Node {
    enum Kind { case tuple, list, dict, reduce, persistent, wrapped }
    let kind: Kind
    /// tuple/list elements; reduce: [callable, args]; persistent/wrapped: [inner].
    var items: [Item]
    /// dict entries.
    var pairs: [(Item, Item)] = []
    /// BUILD states applied to this object, in order.
    var states: [Item] = []

    init(_ kind: Kind, _ items: [Item] = []) {
        self.kind = kind
        self.items = items
    }
}

// MARK: - The machine

struct Machine {
    let buf: UnsafeRawBufferPointer
    var pos: Int
    var stack: [Item] = []
    /// Stack heights at each MARK; items below the top mark are not poppable (as in CPython).
    var marks: [Int] = []
    var memo: [Int: Item] = [:]
    /// Every node created, so the graph can be dismantled afterwards (breaks cycles that malformed
    /// input can build, and keeps deinit from recursing down deep chains).
    var nodes: [Node] = []
    /// Offset of the opcode being executed, for error messages.
    var opStart = 0
    var opName = ""

    /// Python refuses int<->str conversions beyond 4300 digits by default; the same cap keeps our
    /// quadratic decimal parsing cheap.
    static let maxDecimalDigits = 4300
    /// Deeper nesting than this is rejected when converting (real checkpoints nest a few levels).
    static let maxDepth = 1000

    init(buf: UnsafeRawBufferPointer, pos: Int) {
        self.buf = buf
        self.pos = pos
    }

    mutating func releaseGraph() {
        for node in nodes {
            node.items = []
            node.pairs = []
            node.states = []
        }
        nodes = []
        memo = [:]
        stack = []
    }

    func fail(_ reason: String) -> PickleError { PickleError(offset: opStart, reason: reason) }

    // MARK: Reading

    var remaining: Int { buf.count - pos }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else {
            throw fail("truncated pickle: opcode \(opName) needs \(n) bytes, \(remaining) left")
        }
        let slice = UnsafeRawBufferPointer(rebasing: buf[pos ..< pos + n])
        pos += n
        return slice
    }

    mutating func u8() throws -> UInt8 { try take(1)[0] }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    /// Reads a length field of the given width and checks it against the bytes left.
    mutating func length<T: FixedWidthInteger>(_: T.Type) throws -> Int {
        let raw = try fixed(T.self)
        guard raw >= 0, UInt64(raw) <= UInt64(remaining) else {
            throw fail("truncated pickle: opcode \(opName) declares \(raw) bytes, \(remaining) left")
        }
        return Int(raw)
    }

    /// Protocol-0 argument: bytes up to (not including) the next newline, which is consumed.
    mutating func line() throws -> UnsafeRawBufferPointer {
        var end = pos
        while end < buf.count, buf[end] != 0x0A { end += 1 }
        guard end < buf.count else { throw fail("truncated pickle: opcode \(opName) has no terminating newline") }
        let slice = UnsafeRawBufferPointer(rebasing: buf[pos ..< end])
        pos = end + 1
        return slice
    }

    mutating func asciiLine() throws -> String {
        let raw = try line()
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("opcode \(opName): argument is not UTF-8") }
        // Python 2 wrote lines ending in "\r\n" on some platforms; the number parsers reject "\r".
        return s.hasSuffix("\r") ? String(s.dropLast()) : s
    }

    func utf8(_ raw: UnsafeRawBufferPointer) throws -> String {
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("opcode \(opName): string is not valid UTF-8") }
        return s
    }

    // MARK: Stack

    mutating func push(_ item: Item) { stack.append(item) }
    mutating func push(_ value: PickleValue) { stack.append(.leaf(value)) }

    mutating func pop() throws -> Item {
        guard stack.count > (marks.last ?? 0) else { throw fail("opcode \(opName) pops from an empty stack") }
        return stack.removeLast()
    }

    mutating func top() throws -> Item {
        guard stack.count > (marks.last ?? 0), let item = stack.last else {
            throw fail("opcode \(opName) needs an object on the stack")
        }
        return item
    }

    /// Pops everything above the topmost MARK, and the mark.
    mutating func popMark() throws -> [Item] {
        guard let mark = marks.popLast() else { throw fail("opcode \(opName) without a preceding MARK") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    mutating func newNode(_ kind: Node.Kind, _ items: [Item] = []) -> Node {
        let node = Node(kind, items)
        nodes.append(node)
        return node
    }

    mutating func memoPut(_ index: Int) throws {
        memo[index] = try top()
    }

    mutating func memoGet(_ index: Int) throws {
        guard let item = memo[index] else { throw fail("opcode \(opName): memo key \(index) was never stored") }
        push(item)
    }

    // MARK: Run

    mutating func run() throws -> (value: PickleValue, end: Int) {
        while true {
            opStart = pos
            guard pos < buf.count else {
                throw PickleError(offset: pos, reason: "truncated pickle: input ended before STOP")
            }
            let code = buf[pos]
            pos += 1
            opName = Machine.name(of: code)
            if code == 0x2E { // STOP
                let result = try pop()
                let value = try convert(result)
                return (value, pos)
            }
            try step(code)
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func step(_ code: UInt8) throws {
        switch code {
        // Framing and protocol
        case 0x80: // PROTO
            let proto = try u8()
            guard proto <= 5 else { throw fail("unsupported pickle protocol \(proto)") }
        case 0x95: // FRAME: only a read-ahead hint; the length must still fit.
            _ = try length(UInt64.self)

        // Marks and stack shuffling
        case 0x28: marks.append(stack.count) // MARK
        case 0x30: // POP: the top item, or the top mark when nothing sits above it.
            if stack.count > (marks.last ?? 0) { stack.removeLast() } else if !marks.isEmpty { marks.removeLast() } else {
                throw fail("POP on an empty stack")
            }
        case 0x31: _ = try popMark() // POP_MARK
        case 0x32: push(try top()) // DUP

        // Memo
        case 0x70: // PUT
            guard let index = Int(try asciiLine()), index >= 0 else { throw fail("PUT: bad memo key") }
            try memoPut(index)
        case 0x71: try memoPut(Int(try u8())) // BINPUT
        case 0x72: try memoPut(Int(try fixed(UInt32.self))) // LONG_BINPUT
        case 0x94: try memoPut(memo.count) // MEMOIZE
        case 0x67: // GET
            guard let index = Int(try asciiLine()), index >= 0 else { throw fail("GET: bad memo key") }
            try memoGet(index)
        case 0x68: try memoGet(Int(try u8())) // BINGET
        case 0x6A: try memoGet(Int(try fixed(UInt32.self))) // LONG_BINGET

        // Constants
        case 0x4E: push(.none) // NONE
        case 0x88: push(.bool(true)) // NEWTRUE
        case 0x89: push(.bool(false)) // NEWFALSE

        // Integers
        case 0x4A: push(.int(Int(try fixed(Int32.self)))) // BININT
        case 0x4B: push(.int(Int(try u8()))) // BININT1
        case 0x4D: push(.int(Int(try fixed(UInt16.self)))) // BININT2
        case 0x49: // INT: protocol 0 also spells booleans as I01 / I00.
            let text = try asciiLine()
            if text == "01" { push(.bool(true)) } else if text == "00" { push(.bool(false)) } else { push(try decimal(text)) }
        case 0x4C: // LONG: decimal, optionally with Python 2's trailing "L".
            var text = try asciiLine()
            if text.hasSuffix("L") { text.removeLast() }
            push(try decimal(text))
        case 0x8A: push(try long(try take(length(UInt8.self)))) // LONG1
        case 0x8B: push(try long(try take(length(Int32.self)))) // LONG4

        // Floats
        case 0x46: // FLOAT
            let text = try asciiLine()
            guard let d = Double(text) else { throw fail("FLOAT: cannot parse '\(text.prefix(40))'") }
            push(.float(d))
        case 0x47: push(.float(Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self))))) // BINFLOAT

        // Text
        case 0x58: push(.string(try utf8(try take(length(UInt32.self))))) // BINUNICODE
        case 0x8C: push(.string(try utf8(try take(length(UInt8.self))))) // SHORT_BINUNICODE
        case 0x8D: push(.string(try utf8(try take(length(UInt64.self))))) // BINUNICODE8
        case 0x56: push(.string(try rawUnicodeEscape(try line()))) // UNICODE

        // Bytes (and Python 2 str, kept raw)
        case 0x42: push(.bytes(Array(try take(length(UInt32.self))))) // BINBYTES
        case 0x43: push(.bytes(Array(try take(length(UInt8.self))))) // SHORT_BINBYTES
        case 0x8E: push(.bytes(Array(try take(length(UInt64.self))))) // BINBYTES8
        case 0x96: push(.bytes(Array(try take(length(UInt64.self))))) // BYTEARRAY8
        case 0x54: push(.bytes(Array(try take(length(Int32.self))))) // BINSTRING
        case 0x55: push(.bytes(Array(try take(length(UInt8.self))))) // SHORT_BINSTRING
        case 0x53: push(.bytes(try stringEscape(try line()))) // STRING

        // Tuples
        case 0x29: push(.node(newNode(.tuple))) // EMPTY_TUPLE
        case 0x85: // TUPLE1
            let a = try pop()
            push(.node(newNode(.tuple, [a])))
        case 0x86: // TUPLE2
            let b = try pop(), a = try pop()
            push(.node(newNode(.tuple, [a, b])))
        case 0x87: // TUPLE3
            let c = try pop(), b = try pop(), a = try pop()
            push(.node(newNode(.tuple, [a, b, c])))
        case 0x74: push(.node(newNode(.tuple, try popMark()))) // TUPLE

        // Lists and sets (sets become lists)
        case 0x5D: push(.node(newNode(.list))) // EMPTY_LIST
        case 0x6C: push(.node(newNode(.list, try popMark()))) // LIST
        case 0x8F: push(.node(newNode(.list))) // EMPTY_SET
        case 0x91: push(.node(newNode(.list, try popMark()))) // FROZENSET
        case 0x61: // APPEND
            let value = try pop()
            try listTarget().items.append(value)
        case 0x65, 0x90: // APPENDS, ADDITEMS
            let values = try popMark()
            try listTarget().items.append(contentsOf: values)

        // Dicts
        case 0x7D: push(.node(newNode(.dict))) // EMPTY_DICT
        case 0x64: // DICT
            let node = newNode(.dict)
            node.pairs = try pairs(try popMark())
            push(.node(node))
        case 0x73: // SETITEM
            let value = try pop(), key = try pop()
            try dictTarget().pairs.append((key, value))
        case 0x75: // SETITEMS
            let entries = try pairs(try popMark())
            try dictTarget().pairs.append(contentsOf: entries)

        // Classes and calls
        case 0x63: // GLOBAL
            let module = try asciiLine(), name = try asciiLine()
            push(Machine.global(module, name))
        case 0x93: // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard case .leaf(.string(let n)) = name, case .leaf(.string(let m)) = module else {
                throw fail("STACK_GLOBAL needs two strings")
            }
            push(Machine.global(m, n))
        case 0x52, 0x81: // REDUCE, NEWOBJ
            let args = try pop(), callable = try pop()
            push(call(callable, args))
        case 0x92: // NEWOBJ_EX: spelled as copyreg.__newobj_ex__(cls, args, kwargs) when kwargs is non-empty.
            let kwargs = try pop(), args = try pop(), cls = try pop()
            if case .node(let k) = kwargs, k.kind == .dict, k.pairs.isEmpty {
                push(call(cls, args))
            } else {
                let packed = Item.node(newNode(.tuple, [cls, args, kwargs]))
                push(.node(newNode(.reduce, [.leaf(.global(module: "copyreg", name: "__newobj_ex__")), packed])))
            }
        case 0x69: // INST: class from the argument lines, constructor args above the mark.
            let module = try asciiLine(), name = try asciiLine()
            let args = Item.node(newNode(.tuple, try popMark()))
            push(call(Machine.global(module, name), args))
        case 0x6F: // OBJ: class is the first item above the mark.
            var items = try popMark()
            guard !items.isEmpty else { throw fail("OBJ without a class") }
            let cls = items.removeFirst()
            push(call(cls, .node(newNode(.tuple, items))))
        case 0x62: // BUILD
            let state = try pop()
            let target = try pop()
            if case .node(let node) = target {
                node.states.append(state)
                push(target)
            } else {
                // A leaf cannot carry state; wrap it (memo copies of the bare leaf do not see it).
                let node = newNode(.wrapped, [target])
                node.states.append(state)
                push(.node(node))
            }

        // Persistent ids
        case 0x50: push(.node(newNode(.persistent, [.leaf(.string(try asciiLine()))]))) // PERSID
        case 0x51: push(.node(newNode(.persistent, [try pop()]))) // BINPERSID

        // Out-of-band buffers: a read-only flag is irrelevant to us; the buffers themselves are not in the stream.
        case 0x98: _ = try top() // READONLY_BUFFER
        case 0x97: throw fail("NEXT_BUFFER: out-of-band buffers are not supported")
        case 0x82, 0x83, 0x84: throw fail("\(opName): the copyreg extension registry is not supported")

        default:
            throw fail("unknown opcode \(opName)")
        }
    }

    // MARK: Helpers

    static func global(_ module: String, _ name: String) -> Item {
        // Python 3 maps these Python 2 module names when loading protocol < 3 pickles.
        let mapped: String
        switch module {
        case "__builtin__": mapped = "builtins"
        case "copy_reg": mapped = "copyreg"
        default: mapped = module
        }
        return .leaf(.global(module: mapped, name: name))
    }

    /// REDUCE/NEWOBJ. `collections.OrderedDict()` becomes a dict node, because torch writes state
    /// dicts as that call followed by SETITEMS on the result.
    mutating func call(_ callable: Item, _ args: Item) -> Item {
        if case .leaf(.global("collections", "OrderedDict")) = callable,
           case .node(let a) = args, a.kind == .tuple, a.items.isEmpty {
            return .node(newNode(.dict))
        }
        return .node(newNode(.reduce, [callable, args]))
    }

    mutating func listTarget() throws -> Node {
        guard case .node(let node) = try top(), node.kind == .list else {
            throw fail("\(opName) on an object that is not a list or set")
        }
        return node
    }

    mutating func dictTarget() throws -> Node {
        guard case .node(let node) = try top(), node.kind == .dict else {
            throw fail("\(opName) on an object that is not a dict")
        }
        return node
    }

    func pairs(_ items: [Item]) throws -> [(Item, Item)] {
        guard items.count % 2 == 0 else { throw fail("\(opName) with an odd number of items (\(items.count))") }
        var out: [(Item, Item)] = []
        out.reserveCapacity(items.count / 2)
        var i = 0
        while i < items.count {
            out.append((items[i], items[i + 1]))
            i += 2
        }
        return out
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    func long(_ raw: UnsafeRawBufferPointer) throws -> PickleValue {
        if raw.isEmpty { return .int(0) }
        let negative = raw[raw.count - 1] & 0x80 != 0
        // Drop redundant sign-extension bytes, then see whether it fits an Int.
        var n = raw.count
        let fill: UInt8 = negative ? 0xFF : 0x00
        while n > 1, raw[n - 1] == fill, (raw[n - 2] & 0x80 != 0) == negative { n -= 1 }
        guard n <= MemoryLayout<Int>.size else { return .bigInt(Array(raw)) }
        var value: UInt64 = negative ? ~0 : 0
        for i in 0 ..< n {
            value &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            value |= UInt64(raw[i]) << (8 * UInt64(i))
        }
        return .int(Int(truncatingIfNeeded: value))
    }

    /// Decimal text of any size: `.int` when it fits, else `.bigInt` (two's complement bytes).
    func decimal(_ text: String) throws -> PickleValue {
        if let i = Int(text) { return .int(i) }
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() } else if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= Machine.maxDecimalDigits, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw fail("\(opName): bad integer literal '\(text.prefix(40))'")
        }
        // Magnitude as little-endian bytes, by repeated multiply-by-10-and-add.
        var mag: [UInt8] = [0]
        for ch in digits.utf8 {
            var carry = UInt32(ch - 0x30)
            for i in mag.indices {
                let v = UInt32(mag[i]) * 10 + carry
                mag[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            while carry > 0 { mag.append(UInt8(carry & 0xFF)); carry >>= 8 }
        }
        mag.append(0) // room for the sign bit
        if negative { // two's complement: invert and add one
            var carry: UInt16 = 1
            for i in mag.indices {
                let v = UInt16(~mag[i]) + carry
                mag[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
        }
        return .bigInt(mag)
    }

    /// Protocol-0 STRING argument: a quoted Python literal with backslash escapes, as bytes.
    func stringEscape(_ raw: UnsafeRawBufferPointer) throws -> [UInt8] {
        var bytes = Array(raw)
        if bytes.last == 0x0D { bytes.removeLast() }
        guard bytes.count >= 2, let q = bytes.first, q == 0x27 || q == 0x22, bytes.last == q else {
            throw fail("STRING argument is not a quoted literal")
        }
        let body = bytes[1 ..< bytes.count - 1]
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            i += 1
            guard c == 0x5C, i < body.endIndex else { out.append(c); continue }
            let e = body[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case 0x0A: break // line continuation
            case UInt8(ascii: "x"):
                guard i + 2 <= body.endIndex, let v = UInt8(String(decoding: body[i ..< i + 2], as: UTF8.self), radix: 16) else {
                    throw fail("STRING: bad \\x escape")
                }
                out.append(v)
                i += 2
            case UInt8(ascii: "0") ... UInt8(ascii: "7"):
                var v = UInt32(e - 0x30)
                var k = 0
                while k < 2, i < body.endIndex, (0x30 ... 0x37).contains(body[i]) {
                    v = v * 8 + UInt32(body[i] - 0x30)
                    i += 1
                    k += 1
                }
                out.append(UInt8(truncatingIfNeeded: v))
            default: out.append(e) // \\ \' \" and unknown escapes keep the character
            }
        }
        return out
    }

    /// Protocol-0 UNICODE argument: raw-unicode-escape (latin-1 bytes plus \uXXXX / \UXXXXXXXX).
    func rawUnicodeEscape(_ raw: UnsafeRawBufferPointer) throws -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < raw.count {
            let c = raw[i]
            if c == 0x5C, i + 1 < raw.count, raw[i + 1] == UInt8(ascii: "u") || raw[i + 1] == UInt8(ascii: "U") {
                let width = raw[i + 1] == UInt8(ascii: "u") ? 4 : 8
                guard i + 2 + width <= raw.count,
                      let v = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: raw[i + 2 ..< i + 2 + width]), as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(v) else {
                    throw fail("UNICODE: bad \\u escape")
                }
                scalars.append(scalar)
                i += 2 + width
            } else {
                scalars.append(Unicode.Scalar(c))
                i += 1
            }
        }
        return String(scalars)
    }

    // MARK: Conversion to values

    /// Turns the parse graph into values. Shared nodes are converted once (cached), so DAG-shaped
    /// input cannot blow up exponentially; cycles and absurd depth throw.
    mutating func convert(_ root: Item) throws -> PickleValue {
        var cache: [ObjectIdentifier: PickleValue] = [:]
        var active: Set<ObjectIdentifier> = []
        return try convert(root, depth: 0, cache: &cache, active: &active)
    }

    func convert(_ item: Item, depth: Int, cache: inout [ObjectIdentifier: PickleValue],
                 active: inout Set<ObjectIdentifier>) throws -> PickleValue {
        guard case .node(let node) = item else {
            if case .leaf(let v) = item { return v }
            return .none
        }
        let id = ObjectIdentifier(node)
        if let done = cache[id] { return done }
        guard depth < Machine.maxDepth else { throw fail("object nesting deeper than \(Machine.maxDepth) levels") }
        guard active.insert(id).inserted else { throw fail("self-referencing object structure is not supported") }
        defer { active.remove(id) }

        func sub(_ x: Item) throws -> PickleValue { try convert(x, depth: depth + 1, cache: &cache, active: &active) }

        var value: PickleValue
        switch node.kind {
        case .tuple: value = .tuple(try node.items.map(sub))
        case .list: value = .list(try node.items.map(sub))
        case .dict: value = .dict(try node.pairs.map { (key: try sub($0.0), value: try sub($0.1)) })
        case .reduce:
            guard node.items.count == 2 else { throw fail("internal: malformed reduce node") }
            value = .reduce(callable: try sub(node.items[0]), args: try sub(node.items[1]))
        case .persistent:
            guard let inner = node.items.first else { throw fail("internal: malformed persistent node") }
            value = .persistent(try sub(inner))
        case .wrapped:
            guard let inner = node.items.first else { throw fail("internal: malformed wrapped node") }
            value = try sub(inner)
        }
        for state in node.states {
            value = .build(object: value, state: try sub(state))
        }
        cache[id] = value
        return value
    }

    // MARK: Names

    static func name(of code: UInt8) -> String {
        switch code {
        case 0x28: return "MARK"
        case 0x2E: return "STOP"
        case 0x30: return "POP"
        case 0x31: return "POP_MARK"
        case 0x32: return "DUP"
        case 0x46: return "FLOAT"
        case 0x49: return "INT"
        case 0x4A: return "BININT"
        case 0x4B: return "BININT1"
        case 0x4C: return "LONG"
        case 0x4D: return "BININT2"
        case 0x4E: return "NONE"
        case 0x50: return "PERSID"
        case 0x51: return "BINPERSID"
        case 0x52: return "REDUCE"
        case 0x53: return "STRING"
        case 0x54: return "BINSTRING"
        case 0x55: return "SHORT_BINSTRING"
        case 0x56: return "UNICODE"
        case 0x58: return "BINUNICODE"
        case 0x61: return "APPEND"
        case 0x62: return "BUILD"
        case 0x63: return "GLOBAL"
        case 0x64: return "DICT"
        case 0x7D: return "EMPTY_DICT"
        case 0x65: return "APPENDS"
        case 0x67: return "GET"
        case 0x68: return "BINGET"
        case 0x69: return "INST"
        case 0x6A: return "LONG_BINGET"
        case 0x6C: return "LIST"
        case 0x5D: return "EMPTY_LIST"
        case 0x6F: return "OBJ"
        case 0x70: return "PUT"
        case 0x71: return "BINPUT"
        case 0x72: return "LONG_BINPUT"
        case 0x73: return "SETITEM"
        case 0x74: return "TUPLE"
        case 0x29: return "EMPTY_TUPLE"
        case 0x75: return "SETITEMS"
        case 0x47: return "BINFLOAT"
        case 0x80: return "PROTO"
        case 0x81: return "NEWOBJ"
        case 0x82: return "EXT1"
        case 0x83: return "EXT2"
        case 0x84: return "EXT4"
        case 0x85: return "TUPLE1"
        case 0x86: return "TUPLE2"
        case 0x87: return "TUPLE3"
        case 0x88: return "NEWTRUE"
        case 0x89: return "NEWFALSE"
        case 0x8A: return "LONG1"
        case 0x8B: return "LONG4"
        case 0x42: return "BINBYTES"
        case 0x43: return "SHORT_BINBYTES"
        case 0x8C: return "SHORT_BINUNICODE"
        case 0x8D: return "BINUNICODE8"
        case 0x8E: return "BINBYTES8"
        case 0x8F: return "EMPTY_SET"
        case 0x90: return "ADDITEMS"
        case 0x91: return "FROZENSET"
        case 0x92: return "NEWOBJ_EX"
        case 0x93: return "STACK_GLOBAL"
        case 0x94: return "MEMOIZE"
        case 0x95: return "FRAME"
        case 0x96: return "BYTEARRAY8"
        case 0x97: return "NEXT_BUFFER"
        case 0x98: return "READONLY_BUFFER"
        default: return "0x" + String(code, radix: 16)
        }
    }
}
