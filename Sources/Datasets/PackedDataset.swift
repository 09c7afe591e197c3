import Foundation
import ImageIO
import Support

/// Read access to a packed dataset folder; `images.u8` is memory-mapped.
public final class PackedDataset: @unchecked Sendable {  // immutable after init
    public enum Split: Sendable { case train, test, all }

    public let url: URL
    public let manifest: DatasetManifest
    public let labels: [Int]
    private let images: Data

    public var count: Int { labels.count }
    public var resolution: Int { manifest.resolution }
    public var classCount: Int { manifest.classNames.count }
    public var bytesPerImage: Int { resolution * resolution * 3 }

    /// Opens and validates the folder; `verifyHashes` re-computes the SHA-256 of both data files.
    public init(at url: URL, verifyHashes: Bool = false) throws {
        self.url = url
        let manifestURL = url.appendingPathComponent(DatasetManifest.manifestFile)
        guard let manifestData = FileManager.default.contents(atPath: manifestURL.path) else {
            throw DatasetError.unreadable(path: manifestURL.path, reason: "missing manifest")
        }
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: manifestData)
        } catch {
            throw DatasetError.malformed(path: manifestURL.path, reason: "\(error)")
        }
        guard manifest.version == DatasetManifest.currentVersion else {
            throw DatasetError.malformed(path: manifestURL.path, reason: "unsupported version \(manifest.version)")
        }
        let imagesURL = url.appendingPathComponent(DatasetManifest.imagesFile)
        let labelsURL = url.appendingPathComponent(DatasetManifest.labelsFile)
        do {
            images = try Data(contentsOf: imagesURL, options: .alwaysMapped)
        } catch {
            throw DatasetError.unreadable(path: imagesURL.path, reason: error.localizedDescription)
        }
        guard let labelData = FileManager.default.contents(atPath: labelsURL.path) else {
            throw DatasetError.unreadable(path: labelsURL.path, reason: "missing labels")
        }
        let side = manifest.resolution
        guard images.count == manifest.count * side * side * 3 else {
            throw DatasetError.malformed(path: imagesURL.path, reason: "\(images.count) bytes, expected \(manifest.count) x \(side)x\(side)x3")
        }
        guard labelData.count == manifest.count * 8 else {
            throw DatasetError.malformed(path: labelsURL.path, reason: "\(labelData.count) bytes for \(manifest.count) labels")
        }
        let count = manifest.count
        labels = labelData.withUnsafeBytes { raw in
            (0..<count).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        }
        let classCount = manifest.classNames.count
        let labels = self.labels
        if let bad = labels.first(where: { $0 < 0 || $0 >= classCount }) {
            throw DatasetError.malformed(path: labelsURL.path, reason: "label \(bad) outside 0..<\(classCount)")
        }
        if let bad = (manifest.split.train + manifest.split.test).first(where: { $0 < 0 || $0 >= manifest.count }) {
            throw DatasetError.malformed(path: manifestURL.path, reason: "split index \(bad) out of range")
        }
        if verifyHashes {
            for (file, data) in [(DatasetManifest.imagesFile, images), (DatasetManifest.labelsFile, labelData)] {
                let actual = SHA256.hex(data)
                let expected = manifest.sha256[file] ?? ""
                guard actual == expected else { throw DatasetError.hashMismatch(file: file, expected: expected, actual: actual) }
            }
        }
    }

    /// Item indices of a split.
    public func indices(_ split: Split) -> [Int] {
        switch split {
        case .train: return manifest.split.train
        case .test: return manifest.split.test
        case .all: return Array(0..<count)
        }
    }

    /// Indices of `split` grouped by class label.
    public func indicesByClass(_ split: Split) -> [[Int]] {
        var groups = [[Int]](repeating: [], count: classCount)
        for index in indices(split) { groups[labels[index]].append(index) }
        return groups
    }

    public func image(at index: Int) -> RGBImage {
        RGBImage(width: resolution, height: resolution, pixels: [UInt8](images[byteRange(index)]))
    }

    /// Copies image `index` into `destination` (bytesPerImage bytes).
    public func copyImage(_ index: Int, to destination: UnsafeMutableRawBufferPointer) {
        images.copyBytes(to: destination.bindMemory(to: UInt8.self), from: byteRange(index))
    }

    private func byteRange(_ index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        let start = images.startIndex + index * bytesPerImage
        return start..<(start + bytesPerImage)
    }
}
