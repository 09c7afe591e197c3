import Foundation

/// The JSON documents deepi2i writes beside its outputs (configs, manifests, run records, metrics):
/// indented with sorted keys, so they diff well and equal values give equal files.
public enum JSONFile {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// Writes `value` to `url`; `atomically` writes a temporary file and renames it.
    public static func write<T: Encodable>(_ value: T, to url: URL, atomically: Bool = false) throws {
        try encode(value).write(to: url, options: atomically ? .atomic : [])
    }
}
