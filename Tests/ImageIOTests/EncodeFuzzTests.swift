import ImageIO
import XCTest

final class EncodeTests: XCTestCase {
    func testPNGRoundTripsEveryLayout() throws {
        for layout in [PixelLayout.grey, .greyAlpha, .rgb, .rgba] {
            let pixels = (0..<(9 * 4 * layout.channels)).map { UInt8(truncatingIfNeeded: $0 * 37) }
            let image = DecodedImage(width: 9, height: 4, layout: layout, pixels: pixels)
            XCTAssertEqual(try ImageDecoder.decode(ImageEncoder.png(image)), image, "\(layout)")
        }
    }

    func testJPEGRoundTripIsClose() throws {
        let image = try ImageDecoder.decode(contentsOf: Fixtures.path("rgb.jpg")).toRGB()
        for quality in [50, 95] {
            let bytes = try ImageEncoder.jpeg(image, quality: quality)
            XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
            let back = try ImageDecoder.decode(bytes).toRGB()
            XCTAssertEqual(back.width, image.width)
            let mean = zip(back.pixels, image.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(image.pixels.count)
            XCTAssertLessThan(mean, quality == 95 ? 2 : 6)
        }
        let grey = DecodedImage(width: 8, height: 8, layout: .grey, pixels: [UInt8](repeating: 100, count: 64))
        XCTAssertEqual(try ImageDecoder.decode(ImageEncoder.jpeg(grey)).layout, .grey)
        XCTAssertThrowsError(try ImageEncoder.jpeg(DecodedImage(width: 1, height: 1, layout: .rgba, pixels: [0, 0, 0, 0])))
    }
}

/// Malformed inputs (every truncation point of small files, seeded random byte flips) must only
/// ever produce an ImageError or a valid image: never a crash, hang or untyped error.
final class FuzzTests: XCTestCase {
    func testMalformedInputsOnlyThrowImageErrors() throws {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let options = DecodeOptions(maxPixels: 1 << 20)
        var decoded = 0, failed = 0
        func attempt(_ bytes: [UInt8]) {
            do {
                let image = try ImageDecoder.decode(bytes, options: options)
                XCTAssertEqual(image.pixels.count, image.width * image.height * image.layout.channels)
                decoded += 1
            } catch is ImageError {
                failed += 1
            } catch {
                XCTFail("untyped error \(error)")
            }
        }
        for name in ["rgb8.png", "palette_trns.png", "rgba16.png", "rgb.jpg", "grey.jpg", "cmyk.jpg", "orient6.jpg"] {
            let original = try Fixtures.bytes(name)
            for length in stride(from: 0, to: original.count, by: max(1, original.count / 150)) {
                attempt(Array(original.prefix(length)))
            }
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0..<(1 + Int(next() % 4)) {
                    let at = Int(next() % UInt64(bytes.count))
                    bytes[at] = UInt8(truncatingIfNeeded: next())
                }
                attempt(bytes)
            }
        }
        XCTAssertGreaterThan(failed, 500)
        print("fuzz: \(decoded) decoded, \(failed) rejected")
    }
}
