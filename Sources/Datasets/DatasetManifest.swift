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
