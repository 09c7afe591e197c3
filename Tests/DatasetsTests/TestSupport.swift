import Foundation
import ImageIO

func temporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dstest-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func noiseImage(width: Int, height: Int, seed: Int) -> RGBImage {
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

/// A valid PNG whose IHDR claims width x height (with a correct CRC), pixel data unchanged.
func pngClaiming(width: UInt32, height: UInt32, from png: [UInt8]) -> [UInt8] {
    var out = png
    var ihdr = Array(png[12..<29])
    for (offset, value) in [(4, width), (8, height)] {
        for k in 0..<4 { ihdr[offset + k] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * k)) }
    }
    out.replaceSubrange(12..<29, with: ihdr)
    let crc = crc32(ihdr)
    out.replaceSubrange(29..<33, with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * $0)) })
    return out
}
