import DeepI2I
import DeepI2IServe
import ImageIO

/// A small random-init model (32 px, 16 channels) for tests; untrained, but every code path runs.
enum TestModel {
    static let classNames = ["bear", "bird", "cat", "dog", "horse"]

    static func translator(seed: UInt64 = 1) throws -> Translator {
        var config = try ModelConfig(resolution: 32, channels: 16, classCount: classNames.count)
        config.classNames = classNames
        return Translator(model: try DeepI2IModel(config: config, seed: seed))
    }

    static var samplePNG: [UInt8] {
        get throws { try ImageEncoder.png(SampleImage.make(side: 48)) }
    }
}

/// Maximum absolute difference of two images' bytes (Int.max when their sizes differ).
func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return .max }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

/// Counts the image descriptors of a GIF by walking its blocks (header, colour table, extensions).
func gifFrameCount(_ bytes: [UInt8]) -> Int? {
    guard bytes.count > 13, Array(bytes[0..<6]) == Array("GIF89a".utf8) else { return nil }
    var i = 13
    if bytes[10] & 0x80 != 0 { i += 3 << (Int(bytes[10] & 7) + 1) }
    func skipSubBlocks() { while i < bytes.count, bytes[i] != 0 { i += Int(bytes[i]) + 1 }; i += 1 }
    var frames = 0
    while i < bytes.count {
        switch bytes[i] {
        case 0x21: i += 2; skipSubBlocks()
        case 0x2C:
            let packed = bytes[i + 9]
            i += 10
            if packed & 0x80 != 0 { i += 3 << (Int(packed & 7) + 1) }
            i += 1 // LZW minimum code size
            skipSubBlocks()
            frames += 1
        case 0x3B: return frames
        default: return nil
        }
    }
    return nil
}
