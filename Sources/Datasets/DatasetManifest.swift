import Foundation

/// A file that was not packed, and why.
public struct SkippedFile: Codable, Equatable, Sendable {
    public var path: String
    /// Category: zero-byte, not-an-image, truncated, corrupt, too-large, too-small, unsupported, io.
    public var reason: String
    public var detail: String

    public init(path: String, reason: String, detail: String) {
        self.path = path
        self.reason = reason
        self.detail = detail
    }
}

extension SkippedFile {
    /// A hidden file or folder, not read (ImageFiles' rule).
    static func hidden(_ url: URL, isFolder: Bool) -> SkippedFile {
        SkippedFile(path: url.path, reason: ImageFiles.hiddenReason,
                    detail: "\(url.path): hidden \(isFolder ? "folder" : "file") (name starts with '.'), not read")
    }

    /// The skip report: a line with the count per reason, then one line per file (at most `limit`).
    /// `rest`: where the files beyond the limit are listed (a manifest).
    public static func report(_ files: [SkippedFile], limit: Int = 50, rest: String? = nil) -> [String] {
        guard !files.isEmpty else { return [] }
        let byReason = files.reduce(into: [String: Int]()) { $0[$1.reason, default: 0] += 1 }
        let reasons = byReason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var lines = ["skipped \(files.count) files (\(reasons)):"]
        lines += files.prefix(limit).map { "  \($0.reason): \($0.detail)" }
        if files.count > limit { lines.append("  ... \(files.count - limit) more" + (rest.map { " in \($0)" } ?? "")) }
        return lines
    }
}

/// `manifest.json` of a packed dataset folder.
public struct DatasetManifest: Codable, Equatable, Sendable {
    public struct Split: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var rule: String
        public var train: [Int]
        public var test: [Int]
    }

    public static let currentVersion = 1
    public static let imagesFile = "images.u8"
    public static let labelsFile = "labels.i64"
    public static let manifestFile = "manifest.json"

    public var version: Int
    public var resolution: Int
    public var count: Int
    /// Always "N,H,W,3 uint8 RGB": images.u8 holds N*R*R*3 bytes; labels.i64 holds N little-endian int64.
    public var layout: String
    public var classNames: [String]
    public var classCounts: [Int]
    public var split: Split
    /// SHA-256 (hex) of images.u8 and labels.i64.
    public var sha256: [String: String]
    public var source: String
    public var skipped: [SkippedFile]
    public var warnings: [String]
}
