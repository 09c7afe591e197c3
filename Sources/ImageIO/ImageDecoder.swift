import CCodecs
import Foundation

/// Limits and behaviour applied while decoding.
public struct DecodeOptions: Sendable {
    /// Largest accepted width*height, checked from the header before any pixel is decoded.
    public var maxPixels: Int = 64_000_000
    /// Reject images whose shorter side is below this (0 accepts everything).
    public var minimumSide: Int = 0
    /// Apply the JPEG EXIF orientation so that pixels come out upright.
    public var appliesOrientation: Bool = true
    /// Most scans a progressive JPEG may have (0: no limit). Encoders write about ten; each scan costs a
    /// pass over the whole image, so a file of thousands of tiny scans is a decoding-time bomb.
    public var maxJPEGScans: Int = 100

    public init(maxPixels: Int = 64_000_000, minimumSide: Int = 0, appliesOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.minimumSide = minimumSide
        self.appliesOrientation = appliesOrientation
    }
}

/// Decodes PNG and JPEG bytes into 8-bit images.
public enum ImageDecoder {
    /// Decodes an in-memory PNG or JPEG; `file` only names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String? = nil, options: DecodeOptions = DecodeOptions()) throws -> DecodedImage {
        if bytes.isEmpty { throw ImageError(.zeroByte, file: file) }
        guard let format = ImageFormat.sniff(bytes) else { throw ImageError(.notAnImage, file: file) }
        var raw = CCImage()
        var message = [CChar](repeating: 0, count: Int(CC_ERR_LEN))
        let limit = UInt64(max(0, options.maxPixels))
        let status = bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: return cc_png_decode(buffer.baseAddress, buffer.count, limit, &raw, &message)
            case .jpeg: return cc_jpeg_decode_limited(buffer.baseAddress, buffer.count, limit, Int32(clamping: options.maxJPEGScans), &raw, &message)
            }
        }
        defer { cc_free(raw.pixels) }
        let text = String(cString: message)
        switch status {
        case CC_OK: break
        case CC_TRUNCATED: throw ImageError(.truncated(text), file: file)
        case CC_TOO_LARGE:
            throw ImageError(.tooLarge(width: Int(raw.width), height: Int(raw.height), limit: options.maxPixels), file: file)
        case CC_UNSUPPORTED: throw ImageError(.unsupported(text), file: file)
        case CC_NO_MEMORY: throw ImageError(.unsupported("out of memory: \(text)"), file: file)
        default: throw ImageError(.corrupt(text), file: file)
        }
        guard let layout = PixelLayout(rawValue: Int(raw.channels)), let base = raw.pixels else {
            throw ImageError(.unsupported("\(raw.channels) channels"), file: file)
        }
        let width = Int(raw.width), height = Int(raw.height)
        let pixels = Array(UnsafeBufferPointer(start: base, count: width * height * layout.channels))
        var image = DecodedImage(width: width, height: height, layout: layout, pixels: pixels)
        if options.appliesOrientation, let orientation = ExifOrientation(rawValue: Int(raw.orientation)) {
            image = image.oriented(orientation)
        }
        if min(image.width, image.height) < options.minimumSide {
            throw ImageError(.tooSmall(width: image.width, height: image.height, minimumSide: options.minimumSide), file: file)
        }
        return image
    }

    /// Reads and decodes a file; read failures become `.io` errors naming the path.
    public static func decode(contentsOf path: String, options: DecodeOptions = DecodeOptions()) throws -> DecodedImage {
        let bytes = try readFile(path)
        return try decode(bytes, file: path, options: options)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return [UInt8](data)
        } catch {
            throw ImageError(.io(error.localizedDescription), file: path)
        }
    }
}
