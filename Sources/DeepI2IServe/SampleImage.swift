import ImageIO

/// A synthetic test picture (soft gradient with a dark disc), so the page's demo mode and tests
/// need no bundled files.
public enum SampleImage {
    public static func make(side: Int) -> RGBImage {
        var image = RGBImage(width: side, height: side, red: 0, green: 0, blue: 0)
        let c = Double(side) / 2, r = Double(side) * 0.3
        for y in 0..<side {
            for x in 0..<side {
                let dx = Double(x) - c, dy = Double(y) - c
                let inside = dx * dx + dy * dy < r * r
                let i = (y * side + x) * 3
                image.pixels[i] = inside ? 60 : UInt8(120 + 100 * x / side)
                image.pixels[i + 1] = inside ? 40 : UInt8(160 + 80 * y / side)
                image.pixels[i + 2] = inside ? 30 : 200
            }
        }
        return image
    }
}
