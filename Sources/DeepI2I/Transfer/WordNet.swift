import Foundation

/// WordNet 3.0's noun database read directly from its plain-text files (Debian's `wordnet-base`):
/// `index.noun` (lemma -> synset offsets, most frequent sense first, sorted so that it can be binary
/// searched), `data.noun` (one synset per line, addressed by its byte offset) and `noun.exc` (irregular
/// plurals). ImageNet's class IDs are these synsets: wnid "n02389026" is the line at offset 2389026.
public final class WordNet {
    /// Where Debian's `wordnet-base` installs the database.
    public static let defaultFolder = URL(fileURLWithPath: "/usr/share/wordnet")

    /// One noun synset.
    public struct Synset: Equatable, Sendable {
        public var offset: Int
        /// Its lemmas as WordNet writes them, with underscores for spaces ("American_black_bear").
        public var words: [String]
        /// Offsets of its hypernyms (`@`) and instance hypernyms (`@i`).
        public var hypernyms: [Int]
        public var gloss: String
        /// The ImageNet/WordNet ID, e.g. "n02389026".
        public var wnid: String { WordNet.wnid(offset) }
        /// "n02389026 sorrel", for reports.
        public var label: String { "\(wnid) \(words.first.map { $0.replacingOccurrences(of: "_", with: " ") } ?? "")" }
    }

    public let folder: URL
    private let data: [UInt8]
    private let index: [UInt8]
    private let exceptions: [String: [String]]
    private var cache: [Int: Synset] = [:]

    /// Reads the database in `folder`; a missing file names itself and the package that installs it.
    public init(folder: URL = WordNet.defaultFolder) throws {
        self.folder = folder
        func read(_ name: String) throws -> [UInt8] {
            let url = folder.appendingPathComponent(name)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw WordNetError.missing(url.path)
            }
            return [UInt8](bytes)
        }
        data = try read("data.noun")
        index = try read("index.noun")
        var exceptions: [String: [String]] = [:]
        for line in String(decoding: try read("noun.exc"), as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            if fields.count >= 2 { exceptions[fields[0], default: []].append(contentsOf: fields.dropFirst()) }
        }
        self.exceptions = exceptions
    }

    public static func wnid(_ offset: Int) -> String {
        let digits = String(offset)
        return "n" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The offset of a noun wnid ("n02389026" -> 2389026), or nil when it is not one.
    public static func offset(wnid: String) -> Int? {
        guard wnid.count == 9, wnid.first == "n" else { return nil }
        return Int(wnid.dropFirst())
    }

    /// A name as WordNet spells lemmas: lower case, spaces/underscores/runs of them as one underscore.
    public static func normalise(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "\t" }).joined(separator: "_")
    }

    /// Synset offsets of a lemma as written in `index.noun` (most frequent sense first); empty if absent.
    public func senses(ofLemma lemma: String) -> [Int] {
        guard let line = indexLine(for: Array(lemma.utf8)) else { return [] }
        let fields = line.split(separator: " ")
        guard fields.count >= 4, let synsetCount = Int(fields[2]), fields.count >= synsetCount else { return [] }
        return fields.suffix(synsetCount).compactMap { Int($0) }
    }

    /// The noun lemmas `name` can be a form of, as WordNet's morphy finds them: the name itself,
    /// irregular plurals from `noun.exc`, then the regular suffix rules ("horses" -> "horse",
    /// "ponies" -> "pony"), applied to the last word of a multi-word name. Only lemmas in the index.
    public func baseForms(of name: String) -> [String] {
        let word = Self.normalise(name)
        guard !word.isEmpty else { return [] }
        var parts = word.split(separator: "_").map(String.init)
        let last = parts.removeLast()
        let prefix = parts.isEmpty ? "" : parts.joined(separator: "_") + "_"
        var forms = [word]
        forms += (exceptions[word] ?? [])
        forms += (exceptions[last] ?? []).map { prefix + $0 }
        // Noun detachment rules of morphy (WordNet's morph.c).
        let rules = [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
                     ("men", "man"), ("ies", "y")]
        if !last.hasSuffix("ss") {
            for (suffix, ending) in rules where last.hasSuffix(suffix) && last.count > suffix.count {
                forms.append(prefix + String(last.dropLast(suffix.count)) + ending)
            }
        }
        var seen = Set<String>()
        return forms.filter { seen.insert($0).inserted && !senses(ofLemma: $0).isEmpty }
    }

    /// The synset at a byte offset of `data.noun`.
    public func synset(at offset: Int) throws -> Synset {
        if let s = cache[offset] { return s }
        guard offset >= 0, offset < data.count, offset == 0 || data[offset - 1] == UInt8(ascii: "\n") else {
            throw WordNetError.corrupt("data.noun has no synset at offset \(offset)")
        }
        var end = offset
        while end < data.count, data[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(decoding: data[offset..<end], as: UTF8.self)
        let parts = line.split(separator: "|", maxSplits: 1)
        let fields = parts[0].split(separator: " ").map(String.init)
        // offset lex_filenum ss_type w_cnt(hex) [word lex_id]... p_cnt [symbol offset pos source/target]...
        guard fields.count >= 4, Int(fields[0]) == offset, let wordCount = Int(fields[3], radix: 16),
              fields.count >= 5 + 2 * wordCount, let pointerCount = Int(fields[4 + 2 * wordCount]),
              fields.count >= 5 + 2 * wordCount + 4 * pointerCount else {
            throw WordNetError.corrupt("data.noun line at offset \(offset) is not a noun synset")
        }
        let words = (0..<wordCount).map { fields[4 + 2 * $0] }
        var hypernyms: [Int] = []
        for p in 0..<pointerCount {
            let base = 5 + 2 * wordCount + 4 * p
            if fields[base] == "@" || fields[base] == "@i", fields[base + 2] == "n", let target = Int(fields[base + 1]) {
                hypernyms.append(target)
            }
        }
        let gloss = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        let synset = Synset(offset: offset, words: words, hypernyms: hypernyms, gloss: gloss)
        cache[offset] = synset
        return synset
    }

    /// Every synset at or above `offset` in the hypernym graph, with its smallest number of steps up.
    public func ancestors(of offset: Int) throws -> [Int: Int] {
        var distance = [offset: 0]
        var frontier = [offset]
        var step = 0
        while !frontier.isEmpty {
            step += 1
            var next: [Int] = []
            for node in frontier {
                for parent in try synset(at: node).hypernyms where distance[parent] == nil {
                    distance[parent] = step
                    next.append(parent)
                }
            }
            frontier = next
        }
        return distance
    }

    /// Binary search of the sorted `index.noun` (license lines start with a space and sort first).
    private func indexLine(for key: [UInt8]) -> Substring? {
        var low = 0, high = index.count
        while low < high {
            let mid = (low + high) / 2
            var start = mid
            while start > 0, index[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            var end = mid
            while end < index.count, index[end] != UInt8(ascii: "\n") { end += 1 }
            var keyEnd = start
            while keyEnd < end, index[keyEnd] != UInt8(ascii: " ") { keyEnd += 1 }
            let lemma = index[start..<keyEnd]
            if lemma.elementsEqual(key) {
                return Substring(String(decoding: index[start..<end], as: UTF8.self))
            }
            if lemma.lexicographicallyPrecedes(key) { low = end + 1 } else { high = start }
        }
        return nil
    }
}

public enum WordNetError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "WordNet database file \(path) not found (install it with: apt-get install wordnet-base)"
        case .corrupt(let detail):
            return "WordNet database is corrupt: \(detail)"
        }
    }
}
