import CGif

/// Animated GIF output through Debian's giflib (GIF89a, looping forever, one global palette).
public enum GIFEncoder {
    /// Encodes `frames` (all the same size) with `delay` hundredths of a second per frame.
    public static func animated(_ frames: [RGBImage], delayCentiseconds delay: Int = 10) throws -> [UInt8] {
        guard let first = frames.first else { throw ImageError(.unsupported("a GIF needs at least one frame")) }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw ImageError(.unsupported("GIF frames differ in size"))
        }
        let quantizer = ColorQuantizer(images: frames)
        let sink = ByteSink()
        var status: Int32 = 0
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        guard let gif = EGifOpen(unmanaged.toOpaque(), { file, bytes, count in
            guard let file, let user = file.pointee.UserData, let bytes, count > 0 else { return 0 }
            let sink = Unmanaged<ByteSink>.fromOpaque(user).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: Int(count)))
            return count
        }, &status) else { throw gifError("EGifOpen", status) }
        var closed = false
        defer { if !closed { EGifCloseFile(gif, &status) } }
        EGifSetGifVersion(gif, true)

        // The colour table size must be a power of two.
        var size = 2
        while size < quantizer.colorCount { size *= 2 }
        var colors = [GifColorType](repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: size)
        for i in 0..<quantizer.colorCount {
            colors[i] = GifColorType(Red: quantizer.palette[i * 3], Green: quantizer.palette[i * 3 + 1],
                                     Blue: quantizer.palette[i * 3 + 2])
        }
        guard let map = GifMakeMapObject(Int32(size), &colors) else { throw gifError("GifMakeMapObject", 0) }
        defer { GifFreeMapObject(map) }
        try check(EGifPutScreenDesc(gif, Int32(first.width), Int32(first.height), 8, 0, map), "EGifPutScreenDesc", gif)

        // NETSCAPE2.0 application extension: loop forever.
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "loop extension", gif)
        var netscape = Array("NETSCAPE2.0".utf8)
        try check(EGifPutExtensionBlock(gif, 11, &netscape), "loop extension", gif)
        var loop: [UInt8] = [1, 0, 0]
        try check(EGifPutExtensionBlock(gif, 3, &loop), "loop extension", gif)
        try check(EGifPutExtensionTrailer(gif), "loop extension", gif)

        for frame in frames {
            var control: [UInt8] = [0, UInt8(delay & 0xff), UInt8((delay >> 8) & 0xff), 0]
            try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, &control), "frame delay", gif)
            try check(EGifPutImageDesc(gif, 0, 0, Int32(frame.width), Int32(frame.height), false, nil), "EGifPutImageDesc", gif)
            var indices = quantizer.indices(of: frame)
            try indices.withUnsafeMutableBufferPointer { buffer in
                for y in 0..<frame.height {
                    try check(EGifPutLine(gif, buffer.baseAddress! + y * frame.width, Int32(frame.width)), "EGifPutLine", gif)
                }
            }
        }
        closed = true
        guard EGifCloseFile(gif, &status) == GIF_OK else { throw gifError("EGifCloseFile", status) }
        return sink.bytes
    }

    private final class ByteSink { var bytes: [UInt8] = [] }

    private static func check(_ result: Int32, _ step: String, _ gif: UnsafeMutablePointer<GifFileType>) throws {
        guard result == GIF_OK else { throw gifError(step, gif.pointee.Error) }
    }

    private static func gifError(_ step: String, _ code: Int32) -> ImageError {
        let message = GifErrorString(code).map { String(cString: $0) } ?? "error \(code)"
        return ImageError(.io("GIF encoding failed at \(step): \(message)"))
    }
}
