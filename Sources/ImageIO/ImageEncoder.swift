import CCodecs

/// Encodes 8-bit images as PNG or JPEG bytes.
public enum ImageEncoder {
    /// PNG of a grey, grey+alpha, RGB or RGBA image.
    public static func png(_ image: DecodedImage) throws -> [UInt8] {
        try encode(image) { pixels, out, length, message in
            cc_png_encode(pixels, UInt32(image.width), UInt32(image.height), Int32(image.layout.channels), out, length, message)
        }
    }

    public static func png(_ image: RGBImage) throws -> [UInt8] { try png(image.asDecoded) }

    /// Baseline JPEG of a grey or RGB image; `quality` in 1...100 (clamped).
    public static func jpeg(_ image: DecodedImage, quality: Int = 90) throws -> [UInt8] {
        guard image.layout == .grey || image.layout == .rgb else {
            throw ImageError(.unsupported("JPEG cannot store \(image.layout)"))
        }
        return try encode(image) { pixels, out, length, message in
            cc_jpeg_encode(pixels, UInt32(image.width), UInt32(image.height), Int32(image.layout.channels),
                           Int32(clamping: quality), out, length, message)
        }
    }

    public static func jpeg(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        try jpeg(image.asDecoded, quality: quality)
    }

    private static func encode(
        _ image: DecodedImage,
        _ call: (UnsafePointer<UInt8>?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>) -> CCStatus
    ) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else { throw ImageError(.unsupported("cannot encode an empty image")) }
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: Int(CC_ERR_LEN))
        let status = image.pixels.withUnsafeBufferPointer { call($0.baseAddress, &out, &length, &message) }
        defer { cc_free(out) }
        guard status == CC_OK, let out else { throw ImageError(.unsupported(String(cString: message))) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}
