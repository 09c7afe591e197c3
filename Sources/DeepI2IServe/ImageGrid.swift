import ImageIO

/// Lays tiles out in a grid on a white background with a gap between them.
public enum ImageGrid {
    /// `rows[r][c]`; a nil tile leaves its cell blank. All tiles must share one size.
    public static func compose(_ rows: [[RGBImage?]], gap: Int = 2) -> RGBImage {
        let tile = rows.lazy.flatMap { $0 }.compactMap { $0 }.first
        let tw = tile?.width ?? 1, th = tile?.height ?? 1
        let columns = rows.map(\.count).max() ?? 0
        let width = max(1, columns * tw + (columns + 1) * gap)
        let height = max(1, rows.count * th + (rows.count + 1) * gap)
        var canvas = RGBImage(width: width, height: height, red: 255, green: 255, blue: 255)
        for (r, row) in rows.enumerated() {
            for (c, cell) in row.enumerated() {
                guard let image = cell, image.width == tw, image.height == th else { continue }
                let x0 = gap + c * (tw + gap), y0 = gap + r * (th + gap)
                for y in 0..<th {
                    let src = y * tw * 3
                    let dst = ((y0 + y) * width + x0) * 3
                    canvas.pixels.replaceSubrange(dst..<(dst + tw * 3), with: image.pixels[src..<(src + tw * 3)])
                }
            }
        }
        return canvas
    }

    /// The translate grid: one row per sample; the first column repeats the input in every row so
    /// each row reads on its own, then one column per target class.
    public static func translation(input: RGBImage, samples: [[RGBImage]], gap: Int = 2) -> RGBImage {
        compose(samples.map { [input] + $0 }, gap: gap)
    }

    /// Frames side by side (the morph strip).
    public static func strip(_ frames: [RGBImage], gap: Int = 2) -> RGBImage {
        compose([frames], gap: gap)
    }
}
