import Foundation

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
            candidates += pythonPackageFolders(package.name).map { $0 + "/" + package.relativePath }
        }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return URL(fileURLWithPath: found) }
        throw EvaluationError.weightsMissing(what: what, hint: hint + " (looked in: \(candidates.joined(separator: ", ")))")
    }

    /// The package folder according to python3 (and the Debian python), plus usual dist-packages.
    static func pythonPackageFolders(_ package: String) -> [String] {
        var folders: [String] = []
        let script = "import importlib.util, os; s = importlib.util.find_spec('\(package)'); print(os.path.dirname(s.origin) if s and s.origin else '')"
        for python in ["python3", "/usr/bin/python3"] {
            if let path = try? runCapturing([python, "-c", script]), !path.isEmpty, !folders.contains(path) { folders.append(path) }
        }
        for base in ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"] { folders.append("\(base)/\(package)") }
        return folders
    }

    /// Runs a command found on PATH; its trimmed standard output, or nil when it fails.
    static func runCapturing(_ arguments: [String]) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
