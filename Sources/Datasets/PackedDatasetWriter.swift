import Foundation
import ImageIO
import Support

/// Streams fixed-size RGB images into a packed dataset folder. Everything is written into a
/// sibling `<out>.tmp-XXXX` folder and renamed into place by `finish`, so readers never see a
/// half-written dataset.
public final class PackedDatasetWriter {
    public let destination: URL
    public let resolution: Int
    private let overwrite: Bool
    private let staging: URL
    private let images: FileHandle
    private var imageHash = SHA256()
    private var pending = Data()
    public private(set) var labels: [Int] = []
    private var finished = false

    public init(destination: URL, resolution: Int, overwrite: Bool = false) throws {
        guard resolution > 0 else { throw DatasetError.invalidArgument("resolution must be positive, got \(resolution)") }
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) {
            guard overwrite else { throw DatasetError.destinationExists(destination.path) }
            // Only a dataset deepi2i packed (or an empty folder) is ever replaced.
            try OutputFolder.requireReplaceable(destination, as: .dataset)
        }
        let parent = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.unreadable(path: parent.path, reason: "destination's parent folder does not exist")
        }
        self.destination = destination
        self.resolution = resolution
        self.overwrite = overwrite
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        staging = parent.appendingPathComponent("\(destination.lastPathComponent).tmp-\(suffix)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            let file = staging.appendingPathComponent(DatasetManifest.imagesFile)
            guard fm.createFile(atPath: file.path, contents: nil) else {
                throw DatasetError.unreadable(path: file.path, reason: "cannot create file")
            }
            images = try FileHandle(forWritingTo: file)
        } catch let error as DatasetError {
            try? fm.removeItem(at: staging)
            throw error
        } catch {
            try? fm.removeItem(at: staging)
            throw DatasetError.unreadable(path: staging.path, reason: error.localizedDescription)
        }
    }

    deinit {
        if !finished { abandon() }
    }

    public var count: Int { labels.count }

    /// Appends one image (must be resolution x resolution) with its class label.
    public func append(_ image: RGBImage, label: Int) throws {
        guard image.width == resolution, image.height == resolution else {
            throw DatasetError.invalidArgument("image is \(image.width)x\(image.height), expected \(resolution)x\(resolution)")
        }
        imageHash.update(image.pixels)
        pending.append(contentsOf: image.pixels)
        labels.append(label)
        if pending.count >= 4 << 20 { try flush() }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try images.write(contentsOf: pending)
        } catch {
            throw DatasetError.unreadable(path: staging.path, reason: "write failed: \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes labels and manifest, then atomically moves the folder into place.
    @discardableResult
    public func finish(classNames: [String], seed: UInt64, source: String, skipped: [SkippedFile] = [], warnings: [String] = []) throws -> DatasetManifest {
        try flush()
        try? images.close()
        var labelBytes = [UInt8]()
        labelBytes.reserveCapacity(labels.count * 8)
        for label in labels { withUnsafeBytes(of: Int64(label).littleEndian) { labelBytes.append(contentsOf: $0) } }
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels {
            guard label >= 0 && label < classNames.count else {
                throw DatasetError.invalidArgument("label \(label) outside 0..<\(classNames.count)")
            }
            counts[label] += 1
        }
        let split = DatasetSplit.split(labels: labels, classCount: classNames.count, seed: seed)
        let manifest = DatasetManifest(
            version: DatasetManifest.currentVersion, resolution: resolution, count: labels.count,
            layout: "N,H,W,3 uint8 RGB", classNames: classNames, classCounts: counts,
            split: .init(seed: seed, rule: DatasetSplit.rule, train: split.train, test: split.test),
            sha256: [DatasetManifest.imagesFile: imageHash.finalizeHex(), DatasetManifest.labelsFile: SHA256.hex(labelBytes)],
            source: source, skipped: skipped, warnings: warnings)
        let fm = FileManager.default
        do {
            try Data(labelBytes).write(to: staging.appendingPathComponent(DatasetManifest.labelsFile))
            try JSONFile.write(manifest, to: staging.appendingPathComponent(DatasetManifest.manifestFile))
            if fm.fileExists(atPath: destination.path) {
                guard overwrite else { throw DatasetError.destinationExists(destination.path) }
                try OutputFolder.requireReplaceable(destination, as: .dataset)
                // Move the old one aside first so the destination is never missing a manifest midway.
                let old = staging.appendingPathExtension("old")
                try fm.moveItem(at: destination, to: old)
                try fm.moveItem(at: staging, to: destination)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: staging, to: destination)
            }
        } catch let error as DatasetError {
            abandon()
            throw error
        } catch let error as OutputFolderError {
            abandon()
            throw error
        } catch {
            abandon()
            throw DatasetError.unreadable(path: destination.path, reason: "cannot finish dataset: \(error.localizedDescription)")
        }
        finished = true
        return manifest
    }

    /// Discards the staging folder.
    public func abandon() {
        try? images.close()
        try? FileManager.default.removeItem(at: staging)
        finished = true
    }
}
