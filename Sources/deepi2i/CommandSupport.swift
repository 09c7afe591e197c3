import Datasets
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO
import Torch

/// Helpers shared by the inference commands (translate, morph, serve, bench-translate).
enum CommandSupport {
    /// Loads the translation networks (E, A, G) from a model directory onto `device`.
    static func loadTranslator(model path: String, device: Device) throws -> Translator {
        let (model, _) = try ModelDirectory.load(URL(fileURLWithPath: path), networks: .translation, device: device)
        return Translator(model: model)
    }

    /// Creates `path` (and parents) and checks that files can be written there, before any work starts.
    static func prepareOutputDirectory(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
            throw CommandFailure("output folder \(url.path) exists and is not a folder")
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw CommandFailure("cannot create output folder \(url.path): \(blockingAncestor(of: url) ?? reason(error))")
        }
        guard fm.isWritableFile(atPath: url.path) else {
            throw CommandFailure("output folder \(url.path) is not writable")
        }
        return url
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        do { try Data(bytes).write(to: url) } catch {
            throw CommandFailure("cannot write \(url.path): \(reason(error))")
        }
    }

    /// The images to translate and what of the input was not read.
    struct InputFiles {
        var files: [URL]
        /// The input folder; nil for a single file.
        var root: URL?
        var hidden: [URL] = []
        var unreadFolders: [(url: URL, images: Int)] = []

        /// "N sub-folders with M images were not read (use --recursive): a, b" and the hidden files.
        var notes: [String] {
            var lines: [String] = []
            if !unreadFolders.isEmpty {
                let images = unreadFolders.reduce(0) { $0 + $1.images }
                lines.append("\(unreadFolders.count) sub-folder(s) with \(images) image(s) were not read (use --recursive): "
                             + unreadFolders.map(\.url.lastPathComponent).joined(separator: ", "))
            }
            if !hidden.isEmpty {
                lines.append("skipped \(hidden.count) hidden file(s) (name starts with '.'): "
                             + hidden.map(\.lastPathComponent).joined(separator: ", "))
            }
            return lines
        }
    }

    /// `path` itself, or the images in the folder under ImageFiles' rule (hidden files are not read but
    /// reported; sub-folders are read with `recursive`, otherwise reported), sorted.
    static func inputFiles(_ path: String, recursive: Bool = false) throws -> InputFiles {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw CommandFailure("input \(url.path) does not exist")
        }
        guard isDir.boolValue else { return InputFiles(files: [url]) }
        let listing: ImageFiles.Listing
        do { listing = try ImageFiles.Listing(folder: url, recursive: recursive) } catch {
            throw CommandFailure("cannot list input folder \(url.path): \(error)")
        }
        let inputs = InputFiles(files: listing.images, root: url, hidden: listing.hidden, unreadFolders: listing.unreadFolders)
        guard !inputs.files.isEmpty else {
            throw CommandFailure((["input folder \(url.path) has no .png/.jpg/.jpeg files"] + inputs.notes).joined(separator: "; "))
        }
        return inputs
    }

    /// Output base paths (without the "_<class>_<sample>.png" / "_grid.png" endings) for translate,
    /// unique within the run: the input's stem, in the same sub-folder of `out` as the input is below
    /// the input folder; when inputs there share a stem (photo.png, photo.jpg, photo.PNG) the extension
    /// is kept (photo_png, photo_jpg, photo_PNG); and a number is added while any of its files would
    /// clash, ignoring letter case (as macOS and Windows do), with another input's files or an input.
    static func outputBases(_ inputs: InputFiles, out: URL, endings: [String]) -> [URL] {
        let rootComponents = inputs.root.map { $0.standardizedFileURL.pathComponents.count } ?? 0
        func folder(of file: URL) -> URL {
            guard inputs.root != nil else { return out }
            let parts = file.standardizedFileURL.deletingLastPathComponent().pathComponents.dropFirst(rootComponents)
            return parts.reduce(out) { $0.appendingPathComponent($1) }
        }
        func key(_ url: URL) -> String { url.standardizedFileURL.path.lowercased() }
        var taken = Set(inputs.files.map(key))
        var stems: [String: Int] = [:]
        for file in inputs.files {
            stems[key(folder(of: file).appendingPathComponent(file.deletingPathExtension().lastPathComponent)), default: 0] += 1
        }
        return inputs.files.map { file in
            let dir = folder(of: file)
            let stem = file.deletingPathExtension().lastPathComponent
            let shared = stems[key(dir.appendingPathComponent(stem)), default: 0] > 1
            let name = shared && !file.pathExtension.isEmpty ? "\(stem)_\(file.pathExtension)" : stem
            var n = 1
            while true {
                let base = dir.appendingPathComponent(n == 1 ? name : "\(name)-\(n)")
                let files = endings.map { key(URL(fileURLWithPath: base.path + $0)) }
                if taken.isDisjoint(with: files) {
                    taken.formUnion(files)
                    return base
                }
                n += 1
            }
        }
    }

    /// A file-name-safe version of a class name.
    static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// Why a folder cannot be created below its nearest existing ancestor (Foundation's error often
    /// says only "error 512").
    static func blockingAncestor(of url: URL) -> String? {
        var parent = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        while parent.path != "/" && !FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDir) {
            parent = parent.deletingLastPathComponent()
        }
        if !isDir.boolValue { return "\(parent.path) is a file, not a folder" }
        if !FileManager.default.isWritableFile(atPath: parent.path) { return "\(parent.path) is not writable" }
        return nil
    }

    /// The underlying reason of a Foundation file error, without its long userInfo dump.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
