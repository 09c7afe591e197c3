import Foundation
import Support

/// Writing a folder of files so that readers see either the old folder or the complete new one: the files
/// go into a temporary sibling, which is then renamed over the destination. Used by models, GANs and
/// training checkpoints.
enum AtomicDirectory {
    /// Creates `dir` with the files `fill` writes into the folder it is given. On failure the temporary
    /// folder is removed and `dir` is left as it was.
    static func write(_ dir: URL, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = dir.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tmp = parent.appendingPathComponent(".\(dir.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        do {
            try fill(tmp)
            try replace(dir, with: tmp)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Moves `source` to `destination`, replacing an existing folder only once the new one is complete.
    static func replace(_ destination: URL, with source: URL) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) {
            let old = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
            try fm.moveItem(at: destination, to: old)
            try fm.moveItem(at: source, to: destination)
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: source, to: destination)
        }
    }

    /// Writes `value` as sorted, indented JSON (the documents saved beside weights).
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws { try JSONFile.write(value, to: url) }
}
