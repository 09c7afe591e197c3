import ImageIO

/// Failures of packing, reading or loading datasets, with the path or item involved.
public enum DatasetError: Error, CustomStringConvertible {
    case sourceMissing(String)
    case unreadable(path: String, reason: String)
    case destinationExists(String)
    case noClasses(String)
    /// No image could be used; the skip report says why.
    case noImages(String, skipped: [SkippedFile])
    case malformed(path: String, reason: String)
    case hashMismatch(file: String, expected: String, actual: String)
    case installFailed(command: String, output: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .sourceMissing(let path): return "\(path): source folder does not exist"
        case let .unreadable(path, reason): return "\(path): cannot read (\(reason))"
        case .destinationExists(let path): return "\(path): destination exists (choose another output or allow overwriting, --overwrite on the command line)"
        case .noClasses(let path): return "\(path): no class folders found"
        case let .noImages(path, skipped):
            return (["\(path): no usable images found"] + SkippedFile.report(skipped, limit: 20)).joined(separator: "\n")
        case let .malformed(path, reason): return "\(path): malformed data (\(reason))"
        case let .hashMismatch(file, expected, actual): return "\(file): SHA-256 \(actual) does not match manifest \(expected)"
        case let .installFailed(command, output): return "`\(command)` failed: \(output)"
        case .invalidArgument(let message): return "invalid argument: \(message)"
        }
    }
}
