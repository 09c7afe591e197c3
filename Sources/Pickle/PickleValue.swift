/// A decoded pickle object graph, as plain values.
///
/// The unpickler never executes anything: class references stay `global`, calls stay `reduce`,
/// `BUILD` stays `build`, and persistent ids stay unresolved, so callers decide what each means.
public indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// LONG1/LONG4 payload that does not fit `Int`: little-endian two's complement.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    /// BINBYTES*, SHORT_BINBYTES, BYTEARRAY8, and legacy (py2) STRING/BINSTRING as raw bytes.
    case bytes([UInt8])
    case tuple([PickleValue])
    /// Lists, and also sets/frozensets (order as written).
    case list([PickleValue])
    /// Insertion order kept; keys need not be hashable on our side.
    case dict([(key: PickleValue, value: PickleValue)])
    case global(module: String, name: String)
    /// REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ: `callable(*args)` (args is a tuple).
    case reduce(callable: PickleValue, args: PickleValue)
    /// BUILD: `object.__setstate__(state)`.
    case build(object: PickleValue, state: PickleValue)
    /// BINPERSID / PERSID: the persistent id, unresolved.
    case persistent(PickleValue)
}

// MARK: - Convenience accessors

extension PickleValue {
    public var isNone: Bool { if case .none = self { return true } else { return false } }

    public var boolValue: Bool? {
        switch self {
        case .bool(let b): return b
        case .int(let i): return i != 0
        default: return nil
        }
    }

    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Floats, and ints widened to Double.
    public var doubleValue: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Raw bytes. Also recognizes how protocol < 3 pickles write Python 3 `bytes`:
    /// `_codecs.encode(text, "latin1")`, where every character is one byte.
    public var bytesValue: [UInt8]? {
        switch self {
        case .bytes(let b): return b
        case .reduce(.global("_codecs", "encode"), .tuple(let args)):
            guard args.count == 2, case .string(let text) = args[0],
                  let enc = args[1].stringValue, enc == "latin1" || enc == "latin-1" else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { return nil }
                out.append(UInt8(scalar.value))
            }
            return out
        case .reduce(.global("builtins", "bytearray"), .tuple(let args)) where args.count == 1:
            return args[0].bytesValue
        default: return nil
        }
    }

    public var tupleItems: [PickleValue]? {
        if case .tuple(let items) = self { return items }
        return nil
    }

    public var listItems: [PickleValue]? {
        if case .list(let items) = self { return items }
        return nil
    }

    /// Items of a tuple or a list.
    public var sequenceItems: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }

    public var dictItems: [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let items) = self { return items }
        return nil
    }

    /// `"module.name"` for a global.
    public var globalName: String? {
        if case .global(let module, let name) = self { return "\(module).\(name)" }
        return nil
    }

    /// Value for a string key of a dict (first match); nil for non-dicts or a missing key.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let items) = self else { return nil }
        for item in items { if case .string(let k) = item.key, k == key { return item.value } }
        return nil
    }

    /// Element of a tuple or list; nil when out of range.
    public subscript(index: Int) -> PickleValue? {
        guard let items = sequenceItems, index >= 0, index < items.count else { return nil }
        return items[index]
    }
}

// MARK: - Equatable / description

extension PickleValue: Equatable {
    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.bigInt(a), .bigInt(b)): return a == b
        // Bitwise so that NaN payloads written by the same pickle compare equal.
        case let (.float(a), .float(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): return a == b
        case let (.dict(a), .dict(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.global(m1, n1), .global(m2, n2)): return m1 == m2 && n1 == n2
        case let (.reduce(c1, a1), .reduce(c2, a2)): return c1 == c2 && a1 == a2
        case let (.build(o1, s1), .build(o2, s2)): return o1 == o2 && s1 == s2
        case let (.persistent(a), .persistent(b)): return a == b
        default: return false
        }
    }
}

extension PickleValue: CustomStringConvertible {
    /// Longest rendering `description` produces; error messages quote hostile values, whose full text
    /// can be huge (shared memo subtrees render exponentially long).
    public static let descriptionLimit = 200

    /// Python-like rendering, for messages and debugging; cut at `descriptionLimit` characters ("...").
    public var description: String { description(limit: PickleValue.descriptionLimit) }

    /// Python-like rendering cut at about `limit` characters. The walk stops as soon as the limit is
    /// reached, and every value visited writes at least one character, so its cost is bounded by the
    /// limit (times the nesting depth), never by the size of the tree.
    public func description(limit: Int) -> String {
        var out = ""
        render(into: &out, limit: limit)
        guard out.count > limit else { return out }
        return String(out.prefix(limit)) + "..."
    }

    private func render(into out: inout String, limit: Int) {
        if out.utf8.count > limit { return }
        func sequence(_ open: String, _ items: [PickleValue], _ close: String) {
            out += open
            for (i, item) in items.enumerated() {
                if out.utf8.count > limit { return }
                if i > 0 { out += ", " }
                item.render(into: &out, limit: limit)
            }
            out += close
        }
        switch self {
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .bigInt(let bytes): out += "<bigint \(bytes.count) bytes>"
        case .float(let d): out += String(d)
        case .string(let s): out += "'\(s.prefix(limit + 1))'"
        case .bytes(let b): out += "b<\(b.count) bytes>"
        case .tuple(let items): sequence("(", items, items.count == 1 ? ",)" : ")")
        case .list(let items): sequence("[", items, "]")
        case .dict(let items):
            out += "{"
            for (i, item) in items.enumerated() {
                if out.utf8.count > limit { return }
                if i > 0 { out += ", " }
                item.key.render(into: &out, limit: limit)
                out += ": "
                item.value.render(into: &out, limit: limit)
            }
            out += "}"
        case .global(let m, let n): out += "\(m).\(n)"
        case .reduce(let c, let a):
            c.render(into: &out, limit: limit)
            a.render(into: &out, limit: limit)
        case .build(let o, let s):
            out += "build("
            o.render(into: &out, limit: limit)
            out += ", "
            s.render(into: &out, limit: limit)
            out += ")"
        case .persistent(let p):
            out += "persistent("
            p.render(into: &out, limit: limit)
            out += ")"
        }
    }
}
