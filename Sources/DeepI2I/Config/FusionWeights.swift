import Foundation

/// The weights of the encoder features fused into the generator, per level (feature width), as a user
/// or a config gives them: one number for every active level ("0.5"), WIDTH:WEIGHT pairs ("8:1,4:0.5"),
/// or both (a named width wins over "all"). Parses, validates and prints itself; stored in configs as the
/// dictionary `{"all": w, "8": w8}`. The official values are here once.
public struct FusionWeights: Codable, Equatable, Sendable, CustomStringConvertible, ExpressibleByDictionaryLiteral {
    /// The official code's fusion weight at every level of a transferred model.
    public static let official = 0.1
    /// The key that sets every active level.
    public static let allLevels = "all"

    /// Weights by width as a string, or `allLevels`.
    public private(set) var entries: [String: Double]

    public init(entries: [String: Double]) { self.entries = entries }
    public init(dictionaryLiteral elements: (String, Double)...) { entries = Dictionary(elements) { _, b in b } }

    /// "0.5" (every active level) or "8:1,4:0.5".
    public init(parsing text: String) throws {
        let usage = "--fusion-weights: expected a number or WIDTH:WEIGHT pairs like 8:1,4:1, got '\(text)'"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let all = Double(trimmed) {
            self.init(entries: [Self.allLevels: all])
        } else {
            var weights: [String: Double] = [:]
            for pair in trimmed.split(separator: ",") {
                let parts = pair.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let width = Int(parts[0]), width > 0, let w = Double(parts[1]) else {
                    throw TrainingError.invalidConfig(usage)
                }
                weights[String(width)] = w
            }
            guard !weights.isEmpty else { throw TrainingError.invalidConfig(usage) }
            self.init(entries: weights)
        }
        try validate()
    }

    public init(from decoder: Swift.Decoder) throws { entries = try decoder.singleValueContainer().decode([String: Double].self) }
    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(entries)
    }

    public func validate() throws {
        for (level, w) in entries {
            guard level == Self.allLevels || (Int(level) ?? 0) > 0 else {
                throw TrainingError.invalidConfig("fusion weight for '\(level)': not a feature width")
            }
            guard w.isFinite, w >= 0 else {
                throw TrainingError.invalidConfig("--fusion-weights must be >= 0 (finite); got \(w) at \(level)")
            }
        }
    }

    /// "0.5", "8:1,4:0.5" or "0.5,8:1": the form `init(parsing:)` reads.
    public var description: String {
        var parts: [String] = entries[Self.allLevels].map { ["\($0)"] } ?? []
        parts += entries.filter { $0.key != Self.allLevels }.sorted { (Int($0.key) ?? 0) > (Int($1.key) ?? 0) }
            .map { "\($0.key):\($0.value)" }
        return parts.joined(separator: ",")
    }

    /// The official weights of the active levels: `official` everywhere for transfer; for scratch 1 at the
    /// deep levels and `official` at width 32 and above.
    public static func officialDefaults(levels: [Int], scratch: Bool) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: levels.map { (String($0), scratch && $0 < 32 ? 1.0 : official) })
    }

    /// `defaults` with these weights applied. A weight for a level that is not active is an error (it
    /// would silently do nothing).
    public func applied(to defaults: [String: Double], levels: [Int]) throws -> [String: Double] {
        var weights = defaults
        var overrides = entries
        if let all = overrides.removeValue(forKey: Self.allLevels) {
            for level in weights.keys { weights[level] = all }
        }
        for (level, w) in overrides {
            guard weights[level] != nil else {
                throw TrainingError.invalidConfig("a fusion weight is given for width \(level), but the active fusion levels are \(levels)")
            }
            weights[level] = w
        }
        return weights
    }
}
