/// Median-cut colour quantisation to at most 256 colours, for GIF output.
/// Colours are binned at 5 bits per channel (32,768 cells); boxes of cells are split at the weighted
/// median of their widest channel until there are enough, and every cell maps to its box's mean.
/// One palette is built over all frames of an animation so colours do not flicker between frames.
public struct ColorQuantizer: Sendable {
    /// RGB triples, `colors.count / 3` entries.
    public private(set) var palette: [UInt8] = []
    /// Palette index of each 15-bit cell.
    private var lookup: [UInt8]

    public init(images: [RGBImage], maxColors: Int = 256) {
        var histogram = [Int](repeating: 0, count: 1 << 15)
        for image in images {
            let p = image.pixels
            var i = 0
            while i + 2 < p.count {
                histogram[ColorQuantizer.cell(p[i], p[i + 1], p[i + 2])] += 1
                i += 3
            }
        }
        let occupied = histogram.indices.filter { histogram[$0] > 0 }
        var boxes: [[Int]] = occupied.isEmpty ? [[0]] : [occupied]
        let limit = max(1, min(256, maxColors))
        while boxes.count < limit {
            // Split the box with the most pixels among those holding more than one cell.
            guard let (index, _) = boxes.enumerated()
                .filter({ $0.element.count > 1 })
                .map({ ($0.offset, $0.element.reduce(0) { $0 + histogram[$1] }) })
                .max(by: { $0.1 < $1.1 }) else { break }
            let box = boxes[index]
            let channel = ColorQuantizer.widestChannel(box)
            let sorted = box.sorted { ColorQuantizer.component($0, channel) < ColorQuantizer.component($1, channel) }
            let total = sorted.reduce(0) { $0 + histogram[$1] }
            var running = 0, cut = 1
            for (k, cell) in sorted.enumerated() {
                running += histogram[cell]
                if running * 2 >= total { cut = max(1, min(sorted.count - 1, k + 1)); break }
            }
            boxes[index] = Array(sorted[..<cut])
            boxes.append(Array(sorted[cut...]))
        }
        lookup = [UInt8](repeating: 0, count: 1 << 15)
        for (index, box) in boxes.enumerated() {
            var sum = (0, 0, 0), weight = 0
            for cell in box {
                let w = max(1, histogram[cell])
                sum.0 += (ColorQuantizer.component(cell, 0) << 3 | 4) * w
                sum.1 += (ColorQuantizer.component(cell, 1) << 3 | 4) * w
                sum.2 += (ColorQuantizer.component(cell, 2) << 3 | 4) * w
                weight += w
                lookup[cell] = UInt8(index)
            }
            palette += [UInt8(sum.0 / weight), UInt8(sum.1 / weight), UInt8(sum.2 / weight)]
        }
    }

    public var colorCount: Int { palette.count / 3 }

    /// Palette indices of `image`, row-major.
    public func indices(of image: RGBImage) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        let p = image.pixels
        for i in out.indices { out[i] = lookup[ColorQuantizer.cell(p[i * 3], p[i * 3 + 1], p[i * 3 + 2])] }
        return out
    }

    static func cell(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        Int(r >> 3) << 10 | Int(g >> 3) << 5 | Int(b >> 3)
    }

    static func component(_ cell: Int, _ channel: Int) -> Int { (cell >> (10 - 5 * channel)) & 31 }

    static func widestChannel(_ box: [Int]) -> Int {
        (0..<3).max { a, b in
            let ra = box.map { component($0, a) }, rb = box.map { component($0, b) }
            return ((ra.max() ?? 0) - (ra.min() ?? 0)) < ((rb.max() ?? 0) - (rb.min() ?? 0))
        } ?? 0
    }
}
