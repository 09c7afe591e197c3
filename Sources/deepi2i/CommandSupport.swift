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

    /// The image files to translate: `path` itself, or the PNG/JPEG files in the folder (sorted, not recursive).
    static func inputFiles(_ path: String) throws -> [URL] {
        let url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw CommandFailure("input \(url.path) does not exist")
        }
        guard isDir.boolValue else { return [url] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            throw CommandFailure("cannot list input folder \(url.path): \(reason(error))")
        }
        let files = names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { url.appendingPathComponent($0) }
        guard !files.isEmpty else { throw CommandFailure("input folder \(url.path) has no .png/.jpg/.jpeg files") }
        return files
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
