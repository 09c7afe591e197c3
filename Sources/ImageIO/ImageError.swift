/// Why an image could not be read, written or accepted, and which file it was (when known).
public struct ImageError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case zeroByte
        /// The bytes do not start with a PNG or JPEG signature.
        case notAnImage
        case truncated(String)
        case corrupt(String)
        case tooLarge(width: Int, height: Int, limit: Int)
        case tooSmall(width: Int, height: Int, minimumSide: Int)
        case unsupported(String)
        case io(String)
    }

    public var file: String?
    public var reason: Reason

    public init(_ reason: Reason, file: String? = nil) {
        self.reason = reason
        self.file = file
    }

    /// A short machine-friendly category, used e.g. for skip reports.
    public var category: String {
        switch reason {
        case .zeroByte: return "zero-byte"
        case .notAnImage: return "not-an-image"
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        case .tooLarge: return "too-large"
        case .tooSmall: return "too-small"
        case .unsupported: return "unsupported"
        case .io: return "io"
        }
    }

    public var description: String {
        let detail: String
        switch reason {
        case .zeroByte: detail = "file is empty (zero bytes)"
        case .notAnImage: detail = "not a PNG or JPEG image"
        case .truncated(let message): detail = "truncated image data (\(message))"
        case .corrupt(let message): detail = "corrupt image data (\(message))"
        case let .tooLarge(width, height, limit):
            detail = "image is \(width)x\(height) = \(width * height) pixels, over the limit of \(limit) (possible decompression bomb)"
        case let .tooSmall(width, height, minimumSide):
            detail = "image is \(width)x\(height), smaller than the minimum side of \(minimumSide) px"
        case .unsupported(let message): detail = "unsupported image (\(message))"
        case .io(let message): detail = "cannot read file (\(message))"
        }
        return file.map { "\($0): \(detail)" } ?? detail
    }
}
