/// Levenshtein distance, for "did you mean" suggestions on mistyped class names.
public enum EditDistance {
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased()), y = Array(b.lowercased())
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// Up to `limit` candidates closest to `word`, nearest first; only those within a distance that
    /// still looks like a typo (a third of the longer word, at least 2), so nonsense gets no suggestion.
    public static func nearest(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
        let scored = candidates.map { ($0, distance(word, $0)) }
            .filter { $0.1 <= max(2, max(word.count, $0.0.count) / 3) }
        return scored.sorted { $0.1 == $1.1 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.0)
    }
}
