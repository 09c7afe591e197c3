import Foundation
import ImageIO
import TestSupport
import XCTest

/// Runs the built `deepi2i` binary (`swift build` first) and captures its exit status and output.
enum CLI {
    static let root = Repository.root
    /// The `deepi2i` built alongside this test bundle: SwiftPM puts both in the same bin folder (what
    /// `swift build --show-bin-path` prints for this configuration), so debug and release runs each test
    /// their own fresh binary. Asking `swift build --show-bin-path` from here would wait on the build lock
    /// that `swift test` holds. DEEPI2I_BINARY overrides.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["DEEPI2I_BINARY"] { return URL(fileURLWithPath: path) }
        var testBinary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        // Linux: <bin>/deepi2iPackageTests.xctest; macOS: <bin>/deepi2iPackageTests.xctest/Contents/MacOS/...
        while testBinary.pathComponents.count > 1, !testBinary.lastPathComponent.hasSuffix(".xctest") {
            testBinary.deleteLastPathComponent()
        }
        let bin = testBinary.pathComponents.count > 1 ? testBinary.deletingLastPathComponent() : root.appendingPathComponent(".build/debug")
        return bin.appendingPathComponent("deepi2i")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `environment` adds to (or overrides) this process's environment for the child.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("\(binary.path) is missing; run `swift build` before `swift test`")
        }
        let r = try ChildProcess.run(binary, arguments, adding: environment)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Runs another program (a script of the repository), its stdout and stderr in one stream;
    /// `environment`, when given, is the child's whole environment.
    static func runProgram(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        try ChildProcess.runMerged(URL(fileURLWithPath: executable), arguments, environment: environment)
    }

    /// A temporary folder holding a small random model (`model/`), made once per process: each
    /// binary start loads libtorch, so tests share it and copy it where they change it.
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sharedModel.get(), to: dir.appendingPathComponent("model"))
        return dir
    }

    private static let sharedModel = Swift.Result<URL, Error> { try makeModel() }

    private static func makeModel() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-cli-model-\(getpid())")
        let r = try run(["init-model", "--resolution", "32", "--channels", "16", "--classes", "bear,bird,cat,dog",
                         "--out", dir.path])
        guard r.status == 0 else { throw CLIError("init-model failed: \(r.stderr)") }
        return dir
    }

    /// Writes a 40x30 test PNG.
    static func writeImage(_ url: URL, shade: UInt8 = 0) throws {
        var image = RGBImage(width: 40, height: 30, red: 200, green: 120, blue: shade)
        for i in stride(from: 0, to: image.pixels.count, by: 7) { image.pixels[i] = UInt8(i % 251) }
        try Data(ImageEncoder.png(image)).write(to: url)
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
