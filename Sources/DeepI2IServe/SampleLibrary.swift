import Foundation

/// The example images the page offers to pick from: the PNG/JPEG files of one folder (a model
/// directory's `samples/`), listed once at start-up. Only listed names are ever read, so a request
/// cannot reach any other file.
public struct SampleLibrary: Sendable {
    public let directory: URL?
    /// File names, sorted.
    public let names: [String]

    /// At most `limit` images of at most `maxBytes` each; hidden and other files are ignored. A
    /// missing folder gives an empty library.
    public init(directory: URL?, maxBytes: Int = 8 * 1024 * 1024, limit: Int = 64) {
        self.directory = directory
        guard let directory,
              let files = try? FileManager.default.contentsOfDirectory(
                  at: directory, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [.skipsHiddenFiles])
        else { names = []; return }
        names = Array(files.filter { url in
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            return Self.contentType(of: url.lastPathComponent) != nil && values?.isRegularFile == true
                && (values?.fileSize ?? .max) <= maxBytes
        }.map(\.lastPathComponent).sorted().prefix(limit))
    }

    /// The bytes and content type of a listed image, nil for any other name.
    public func image(named name: String) -> (bytes: [UInt8], contentType: String)? {
        guard let directory, names.contains(name), let type = Self.contentType(of: name),
              let data = try? Data(contentsOf: directory.appendingPathComponent(name)) else { return nil }
        return (Array(data), type)
    }

    static func contentType(of name: String) -> String? {
        switch (name as NSString).pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        default: return nil
        }
    }
}
