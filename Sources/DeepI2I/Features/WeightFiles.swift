import Foundation
import Support

/// Finds pretrained weight files without a network: an explicit path, an environment variable, the
/// deepi2i cache (~/.cache/deepi2i) and, for weights shipped in Python packages, that package's folder.
enum WeightFiles {
    static var cacheDirectory: URL {
        let home = ProcessInfo.processInfo.environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/deepi2i")
    }

    /// The first existing candidate; an explicit path that does not exist is an error, not skipped.
    static func locate(explicit: String?, environment key: String, fileName: String,
                       pythonPackage: (name: String, relativePath: String)? = nil,
                       what: String, hint: String) throws -> URL {
        let fm = FileManager.default
        if let explicit {
            guard fm.fileExists(atPath: explicit) else {
                throw EvaluationError.weightsMissing(what: what, hint: "No file at \(explicit). \(hint)")
            }
            return URL(fileURLWithPath: explicit)
        }
        var candidates: [String] = []
        if let fromEnv = ProcessInfo.processInfo.environment[key], !fromEnv.isEmpty { candidates.append(fromEnv) }
        candidates.append(cacheDirectory.appendingPathComponent(fileName).path)
        if let package = pythonPackage {
            candidates += PythonSite.packageFolders(package.name).map { $0.path + "/" + package.relativePath }
        }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return URL(fileURLWithPath: found) }
        throw EvaluationError.weightsMissing(what: what, hint: hint + " (looked in: \(candidates.joined(separator: ", ")))")
    }
}
