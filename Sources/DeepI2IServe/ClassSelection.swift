import DeepI2I

/// Target classes named on a command line or in a request: names or indices, comma-separated, or `all`.
public enum ClassSelection {
    /// Resolves `text` against the model's classes. Models without names accept indices only.
    public static func resolve(_ text: String, config: ModelConfig) throws -> [Int] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ClassSelectionError.empty }
        if items.count == 1, items[0].lowercased() == "all" { return Array(0..<namedCount(config)) }
        return try items.map { try resolveOne($0, config: config) }
    }

    /// One class by name (case-insensitive) or index.
    public static func resolveOne(_ item: String, config: ModelConfig) throws -> Int {
        if let index = Int(item) {
            guard index >= 0, index < namedCount(config) else {
                throw ClassSelectionError.indexOutOfRange(index, count: namedCount(config))
            }
            return index
        }
        let lower = item.lowercased()
        if let index = config.classNames.firstIndex(where: { $0.lowercased() == lower }) { return index }
        throw ClassSelectionError.unknownName(item, suggestions: EditDistance.nearest(to: item, in: config.classNames))
    }

    /// A printable name for class `k` (its index when the model has no names).
    public static func name(of k: Int, config: ModelConfig) -> String {
        k < config.classNames.count ? config.classNames[k] : String(k)
    }

    /// Classes a user can pick: the named ones, or every embedding row when the model has no names.
    static func namedCount(_ config: ModelConfig) -> Int {
        config.classNames.isEmpty ? config.classCount : config.classNames.count
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
