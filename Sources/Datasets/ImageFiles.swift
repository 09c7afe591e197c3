import Foundation

/// Which files deepi2i reads as images when it lists a folder, one rule for prepare and translate:
/// .png/.jpg/.jpeg in any letter case. Hidden entries (a name starting with "."): `.DS_Store`, the
/// AppleDouble metadata `._x.png` that macOS leaves beside copied files, `.hidden.png`, `.git/`, are
/// never read from a folder, and always reported, under their own reason "hidden". (A hidden file
/// named directly on the command line is read: the user asked for it.)
public enum ImageFiles {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The skip-report reason of hidden files and folders.
    public static let hiddenReason = "hidden"

    public static func isHidden(_ url: URL) -> Bool { url.lastPathComponent.hasPrefix(".") }
    public static func isImage(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }

    /// A folder's entries, sorted by path, sorted into what is read and what is not.
    public struct Listing: Sendable {
        /// Image files to read (below sub-folders too when recursive).
        public var images: [URL] = []
        /// Hidden files and folders (a hidden folder is not looked into).
        public var hidden: [URL] = []
        /// Files that are not images by their extension.
        public var others: [URL] = []
        /// Sub-folders that were not read (not recursive), with the number of images below each.
        public var unreadFolders: [(url: URL, images: Int)] = []

        public init(folder: URL, recursive: Bool) throws {
            var visited: Set<String> = []
            try scan(folder, recursive: recursive, visited: &visited)
        }

        private mutating func scan(_ folder: URL, recursive: Bool, visited: inout Set<String>) throws {
            // A symbolic link back up the tree would recurse for ever.
            guard visited.insert(folder.resolvingSymlinksInPath().path).inserted else { return }
            let fm = FileManager.default
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: folder.path) } catch {
                throw DatasetError.unreadable(path: folder.path, reason: error.localizedDescription)
            }
            for name in names.sorted() {
                let url = folder.appendingPathComponent(name)
                var isFolder: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
                if ImageFiles.isHidden(url) {
                    hidden.append(url)
                } else if isFolder.boolValue {
                    if recursive {
                        try scan(url, recursive: true, visited: &visited)
                    } else {
                        unreadFolders.append((url, try Listing(folder: url, recursive: true).images.count))
                    }
                } else if ImageFiles.isImage(url) {
                    images.append(url)
                } else {
                    others.append(url)
                }
            }
        }
    }
}
