/// What a packing run produced and what it left out.
public struct PackSummary: Sendable {
    public var destination: String
    public var imageCount: Int
    public var classNames: [String]
    public var classCounts: [Int]
    public var trainCount: Int
    public var testCount: Int
    public var skipped: [SkippedFile]
    public var emptyClasses: [String]
    public var warnings: [String]

    /// Skipped files per reason category.
    public var skippedByReason: [String: Int] {
        skipped.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 }
    }

    init(manifest: DatasetManifest, destination: String, emptyClasses: [String]) {
        self.destination = destination
        imageCount = manifest.count
        classNames = manifest.classNames
        classCounts = manifest.classCounts
        trainCount = manifest.split.train.count
        testCount = manifest.split.test.count
        skipped = manifest.skipped
        self.emptyClasses = emptyClasses
        warnings = manifest.warnings
    }
}
