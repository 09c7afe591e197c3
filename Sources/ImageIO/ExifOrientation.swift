/// EXIF orientation tag values (TIFF 6.0): how the stored pixels must be transformed to be upright.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left
}

extension DecodedImage {
    /// Returns the image transformed so that it displays upright (same as PIL's `exif_transpose`).
    public func oriented(_ orientation: ExifOrientation) -> DecodedImage {
        if orientation == .up { return self }
        let w = width, h = height, c = layout.channels
        let swaps = orientation.rawValue >= 5
        let outWidth = swaps ? h : w, outHeight = swaps ? w : h
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let sx: Int, sy: Int
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)                     // transpose
                        case .right: (sx, sy) = (y, h - 1 - x)                    // rotate 90° clockwise
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)    // transverse
                        case .left: (sx, sy) = (w - 1 - y, x)                     // rotate 90° counter-clockwise
                        }
                        let s = (sy * w + sx) * c, d = (y * outWidth + x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return DecodedImage(width: outWidth, height: outHeight, layout: layout, pixels: out)
    }
}
