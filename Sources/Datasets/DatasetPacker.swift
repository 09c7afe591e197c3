import Foundation
import ImageIO

/// Options for packing an ImageFolder.
public struct PackOptions: Sendable {
    /// Images with a shorter side below this are skipped as too small.
    public var minimumSide = 8
    /// Decompression-bomb guard, checked from the header before decoding.
    public var maxPixels = 64_000_000
    public var filter = ResampleFilter.bicubic
    public var alpha = AlphaHandling.compositeOnWhite
    /// Keep at most this many images per class (first in file-name order); nil keeps all.
    public var perClassLimit: Int?
    public var overwrite = false
    /// Files decoded in parallel per batch; bounds memory for large source images.
    public var chunkSize = 64

    public init(minimumSide: Int = 8, maxPixels: Int = 64_000_000, filter: ResampleFilter = .bicubic,
                alpha: AlphaHandling = .compositeOnWhite, perClassLimit: Int? = nil, overwrite: Bool = false) {
        self.minimumSide = minimumSide
        self.maxPixels = maxPixels
        self.filter = filter
        self.alpha = alpha
        self.perClassLimit = perClassLimit
        self.overwrite = overwrite
    }
}

/// Packs image collections into the packed dataset format (see DatasetManifest).
public enum DatasetPacker {
    public static var imageExtensions: Set<String> { ImageFiles.extensions }

    /// Packs `src/<class>/**/*.{png,jpg,jpeg}`: classes sorted by folder name, images in sub-folders of a
    /// class folder belong to that class (as in torchvision's ImageFolder), hidden entries are not read
    /// but reported (ImageFiles), each image decoded -> RGB -> centre crop -> antialiased resize. Bad files
    /// are skipped and reported; empty class folders are reported and get no label.
    /// `progress(done, total)` is called on the calling thread after each chunk.
    public static func packImageFolder(
        src: URL, resolution: Int, out: URL, seed: UInt64, options: PackOptions = PackOptions(),
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> PackSummary {
        let listing = try ImageFolderListing(root: src)
        if listing.classes.isEmpty { throw DatasetError.noClasses(src.path) }
        let writer = try PackedDatasetWriter(destination: out, resolution: resolution, overwrite: options.overwrite)
        var skipped = listing.skipped
        var warnings: [String] = []
        var classNames: [String] = []
        var emptyClasses: [String] = []
        let total = listing.classes.reduce(0) { $0 + $1.files.count }
        var done = 0
        let decodeOptions = DecodeOptions(maxPixels: options.maxPixels, minimumSide: options.minimumSide)
        progress?(0, total)
        for folder in listing.classes {
            var kept = 0
            var start = 0
            while start < folder.files.count {
                if let limit = options.perClassLimit, kept >= limit { break }
                let chunk = Array(folder.files[start..<min(folder.files.count, start + options.chunkSize)])
                start += chunk.count
                let results = parallelMap(chunk.count) { index -> Result<RGBImage, ImageError> in
                    Result {
                        try ImageDecoder.decode(contentsOf: chunk[index].path, options: decodeOptions)
                            .toRGB(alpha: options.alpha)
                            .squareResized(to: resolution, filter: options.filter)
                    }.mapError { $0 as? ImageError ?? ImageError(.io("\($0)"), file: chunk[index].path) }
                }
                for result in results {
                    switch result {
                    case .success(let image):
                        if let limit = options.perClassLimit, kept >= limit { continue }
                        if kept == 0 { classNames.append(folder.name) }
                        try writer.append(image, label: classNames.count - 1)
                        kept += 1
                    case .failure(let error):
                        skipped.append(SkippedFile(path: error.file ?? "?", reason: error.category, detail: error.description))
                    }
                }
                done += chunk.count
                progress?(done, total)
            }
            if kept == 0 {
                emptyClasses.append(folder.name)
                warnings.append("class folder '\(folder.name)' has no usable images; it gets no label")
            }
        }
        for name in listing.emptyFolders {
            emptyClasses.append(name)
            warnings.append("class folder '\(name)' is empty; it gets no label")
        }
        progress?(total, total)
        if classNames.isEmpty {
            writer.abandon()
            throw DatasetError.noImages(src.path, skipped: skipped)
        }
        if classNames.count == 1 {
            warnings.append("only one class ('\(classNames[0])'): translation needs at least two")
        }
        let source = "ImageFolder \(src.path); \(options.filter) resize after centre crop; alpha \(options.alpha)" +
            (options.perClassLimit.map { "; at most \($0) per class" } ?? "")
        let manifest = try writer.finish(classNames: classNames, seed: seed, source: source, skipped: skipped, warnings: warnings)
        return PackSummary(manifest: manifest, destination: out.path, emptyClasses: emptyClasses)
    }
}

/// The class folders and candidate files of an ImageFolder tree.
struct ImageFolderListing {
    struct ClassFolder {
        var name: String
        var files: [URL]
    }

    var classes: [ClassFolder] = []
    var emptyFolders: [String] = []
    var skipped: [SkippedFile] = []

    init(root: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else { throw DatasetError.sourceMissing(root.path) }
        guard isDirectory.boolValue else { throw DatasetError.unreadable(path: root.path, reason: "not a folder") }
        let entries: [String]
        do {
            entries = try fm.contentsOfDirectory(atPath: root.path)
        } catch {
            throw DatasetError.unreadable(path: root.path, reason: error.localizedDescription)
        }
        for name in entries.sorted() {
            let folder = root.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: folder.path, isDirectory: &isFolder) else { continue }
            if ImageFiles.isHidden(folder) {
                skipped.append(.hidden(folder, isFolder: isFolder.boolValue))
                continue
            }
            guard isFolder.boolValue else {
                skipped.append(SkippedFile(path: folder.path, reason: "not-in-class-folder", detail: "\(folder.path): file at the top level belongs to no class"))
                continue
            }
            let listing = try ImageFiles.Listing(folder: folder, recursive: true)
            for url in listing.hidden {
                var isDirectory: ObjCBool = false
                fm.fileExists(atPath: url.path, isDirectory: &isDirectory)
                skipped.append(.hidden(url, isFolder: isDirectory.boolValue))
            }
            for url in listing.others {
                skipped.append(SkippedFile(path: url.path, reason: "unsupported-extension",
                                           detail: "\(url.path): not a .png/.jpg/.jpeg file"))
            }
            let files = listing.images
            if files.isEmpty { emptyFolders.append(name) } else { classes.append(ClassFolder(name: name, files: files)) }
        }
    }
}
