/// Channel layout of an 8-bit decoded image.
public enum PixelLayout: Int, Sendable {
    case grey = 1
    case greyAlpha = 2
    case rgb = 3
    case rgba = 4

    public var channels: Int { rawValue }
    public var hasAlpha: Bool { self == .greyAlpha || self == .rgba }
}

/// How `DecodedImage.toRGB` treats an alpha channel.
public enum AlphaHandling: Sendable {
    /// Blend onto a white background: transparent regions become white rather than whatever
    /// colour the encoder left under them.
    case compositeOnWhite
    /// Discard alpha, like PIL's `convert("RGB")`.
    case drop
}

/// An 8-bit image in any of the decoded layouts, rows packed, channels interleaved (HWC).
public struct DecodedImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    public var pixels: [UInt8]

    public init(width: Int, height: Int, layout: PixelLayout, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * layout.channels,
                     "pixel buffer does not match \(width)x\(height)x\(layout.channels)")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// Converts to RGB8; grey is replicated, alpha is composited on white (default) or dropped.
    public func toRGB(alpha: AlphaHandling = .compositeOnWhite) -> RGBImage {
        let count = width * height
        var out = [UInt8](repeating: 0, count: count * 3)
        let channels = layout.channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let p = i * channels
                    var r: Int, g: Int, b: Int
                    switch layout {
                    case .grey, .greyAlpha: r = Int(src[p]); g = r; b = r
                    case .rgb, .rgba: r = Int(src[p]); g = Int(src[p + 1]); b = Int(src[p + 2])
                    }
                    if layout.hasAlpha, alpha == .compositeOnWhite {
                        let a = Int(src[p + channels - 1])
                        // value * a/255 + 255 * (1 - a/255), rounded.
                        r = (r * a + 255 * (255 - a) + 127) / 255
                        g = (g * a + 255 * (255 - a) + 127) / 255
                        b = (b * a + 255 * (255 - a) + 127) / 255
                    }
                    dst[i * 3] = UInt8(r)
                    dst[i * 3 + 1] = UInt8(g)
                    dst[i * 3 + 2] = UInt8(b)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}

/// An interleaved RGB8 image (HWC), the currency between decoding, resizing and datasets.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "pixel buffer does not match \(width)x\(height)x3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A solid-colour image.
    public init(width: Int, height: Int, red: UInt8, green: UInt8, blue: UInt8) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[i * 3] = red
            pixels[i * 3 + 1] = green
            pixels[i * 3 + 2] = blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The pixel at (x, y) as (r, g, b).
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public var asDecoded: DecodedImage { DecodedImage(width: width, height: height, layout: .rgb, pixels: pixels) }
}
