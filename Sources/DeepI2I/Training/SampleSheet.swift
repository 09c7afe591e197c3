import Foundation
import ImageIO

/// A PNG grid of images: rows of equally sized tiles with a gap, optionally enlarged (nearest
/// neighbour) so that 32x32 samples are legible.
public enum SampleSheet {
    public static func render(rows: [[RGBImage]], gap: Int = 2, scale: Int = 1) throws -> RGBImage {
        guard let first = rows.first?.first else { throw ModelError.badInput("empty sample sheet") }
        let tile = first.width * scale
        let columns = rows.map(\.count).max() ?? 0
        let width = columns * tile + (columns + 1) * gap
        let height = rows.count * tile + (rows.count + 1) * gap
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for (r, row) in rows.enumerated() {
            for (c, image) in row.enumerated() {
                guard image.width == first.width, image.height == first.height else {
                    throw ModelError.badInput("sample sheet tiles differ in size")
                }
                let x0 = gap + c * (tile + gap), y0 = gap + r * (tile + gap)
                for y in 0..<tile {
                    for x in 0..<tile {
                        let s = ((y / scale) * image.width + x / scale) * 3
                        let d = ((y0 + y) * width + x0 + x) * 3
                        pixels[d] = image.pixels[s]
                        pixels[d + 1] = image.pixels[s + 1]
                        pixels[d + 2] = image.pixels[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    public static func write(rows: [[RGBImage]], to url: URL, scale: Int = 1) throws {
        let image = try render(rows: rows, scale: scale)
        try Data(try ImageEncoder.png(image)).write(to: url, options: .atomic)
    }
}
