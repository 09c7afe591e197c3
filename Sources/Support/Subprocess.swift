import Foundation

/// The one way deepi2i runs another program (python3, pip, gnuplot, curl, ffmpeg): arguments, optional
/// standard input, and the exit status with standard output and error captured (read concurrently, so a
/// chatty program cannot fill one pipe while we wait on the other).
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: Data
        public var errors: Data
        public var outputText: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        public var succeeded: Bool { status == 0 }
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public var command: String
        public var reason: String
        public var description: String { "cannot run \(command): \(reason)" }
    }

    /// Runs `arguments[0]` (an absolute path, or a name looked up on PATH) with the rest as arguments.
    public static func run(_ arguments: [String], input: Data? = nil) throws -> Result {
        precondition(!arguments.isEmpty, "Subprocess.run needs a program")
        let process = Process()
        if arguments[0].hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
        }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        do { try process.run() } catch {
            throw LaunchError(command: arguments.joined(separator: " "), reason: error.localizedDescription)
        }
        let errors = ErrorsBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let input {
            inPipe.fileHandleForWriting.write(input)
            try? inPipe.fileHandleForWriting.close()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: output, errors: errors.data)
    }

    /// Standard error as read on the other thread; the group's wait orders the write before the read.
    private final class ErrorsBox: @unchecked Sendable { var data = Data() }

    /// The first executable `name` on PATH.
    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
