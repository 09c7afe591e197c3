import DeepI2I

/// Target classes named on a command line or in a request: names or indices, comma-separated, or `all`.
public enum ClassSelection {
    /// Resolves `text` against the model's classes. Models without names accept indices only.
    public static func resolve(_ text: String, config: ModelConfig) throws -> [Int] {
        try resolve(text, domains: TargetDomains(config))
    }

    /// One class by name (case-insensitive) or index.
    public static func resolveOne(_ item: String, config: ModelConfig) throws -> Int {
        try resolveOne(item, domains: TargetDomains(config))
    }

    /// A printable name for class `k` (its index when the model has no names).
    public static func name(of k: Int, config: ModelConfig) -> String {
        TargetDomains(config).name(of: k)
    }

    /// Resolves `text` against a model's target domains (a StyleGAN model's one domain answers to its
    /// name, 0 and 'all').
    public static func resolve(_ text: String, domains: TargetDomains) throws -> [Int] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ClassSelectionError.empty }
        if items.count == 1, items[0].lowercased() == "all" { return Array(0..<domains.count) }
        return try items.map { try resolveOne($0, domains: domains) }
    }

    public static func resolveOne(_ item: String, domains: TargetDomains) throws -> Int {
        if let index = Int(item) {
            guard index >= 0, index < domains.count else {
                throw ClassSelectionError.indexOutOfRange(index, count: domains.count)
            }
            return index
        }
        let lower = item.lowercased()
        if let index = domains.names.firstIndex(where: { $0.lowercased() == lower }) { return index }
        throw ClassSelectionError.unknownName(item, suggestions: EditDistance.nearest(to: item, in: domains.names))
    }
}

public enum ClassSelectionError: Error, CustomStringConvertible, Equatable {
    case empty
    case indexOutOfRange(Int, count: Int)
    case unknownName(String, suggestions: [String])

    public var description: String {
        switch self {
        case .empty:
            return "no target classes given (use names, indices or 'all')"
        case let .indexOutOfRange(i, count):
            return "class index \(i) is outside 0..<\(count)"
        case let .unknownName(name, suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
            return "unknown class '\(name)'\(hint)"
        }
    }
}
