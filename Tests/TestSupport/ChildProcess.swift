import Foundation

/// The repository's root folder (the one holding Package.swift), for tests that run its scripts or read
/// its fixtures.
public enum Repository {
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.pathComponents.count > 1 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
}

/// Runs a program to its end and captures what it prints: the tests' one way to run the built binary,
/// the repository's scripts and Python helpers.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// stdout and stderr apart. `environment`, when given, is the child's whole environment; `adding`
    /// adds to (or overrides) it, or this process's environment when it is nil.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           adding extra: [String: String] = [:], directory: URL? = nil) throws -> Output {
        let process = configured(executable, arguments, environment, extra, directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes at once, so that neither fills up and blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }  // written before group.leave, read after wait
        let errors = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errors.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                      stderr: String(decoding: errors.data, as: UTF8.self))
    }

    /// stdout and stderr in one stream, in the order the child wrote them.
    public static func runMerged(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                                 adding extra: [String: String] = [:], directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = configured(executable, arguments, environment, extra, directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    private static func configured(_ executable: URL, _ arguments: [String], _ environment: [String: String]?,
                                   _ extra: [String: String], _ directory: URL?) -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if environment != nil || !extra.isEmpty {
            process.environment = (environment ?? ProcessInfo.processInfo.environment).merging(extra) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        return process
    }
}
