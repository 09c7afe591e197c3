import ImageIO
import XCTest

final class DecodeTests: XCTestCase {
    func testEveryPNGPixelFormat() throws {
        let entries = try Fixtures.entries("png")
        XCTAssertGreaterThanOrEqual(entries.count, 13)
        for entry in entries {
            let file = try XCTUnwrap(entry["file"] as? String)
            let image = try ImageDecoder.decode(contentsOf: Fixtures.path(file))
            let layout = try XCTUnwrap(entry["layout"] as? String)
            XCTAssertEqual("\(image.layout)", layout, file)
            XCTAssertEqual(image.width, entry["width"] as? Int, file)
            XCTAssertEqual(image.height, entry["height"] as? Int, file)
            let expected = try Fixtures.bytes(file.replacingOccurrences(of: ".png", with: ".bin"))
            XCTAssertEqual(image.pixels, expected, file)
        }
    }

    func testJPEGKindsMatchPIL() throws {
        for entry in try Fixtures.entries("jpeg") {
            let file = try XCTUnwrap(entry["file"] as? String)
            let image = try ImageDecoder.decode(contentsOf: Fixtures.path(file))
            XCTAssertEqual("\(image.layout)", entry["layout"] as? String, file)
            XCTAssertEqual(image.width, entry["width"] as? Int, file)
            XCTAssertEqual(image.height, entry["height"] as? Int, file)
            let expected = try Fixtures.bytes(file.replacingOccurrences(of: ".jpg", with: ".bin"))
            // Same decoder as PIL (libjpeg-turbo, same IDCT and upsampling): exact, CMYK included (measured 0).
            XCTAssertEqual(image.pixels, expected, file)
        }
    }

    func testEXIFOrientationIsApplied() throws {
        // Quadrants red | green over blue | yellow; each orientation is checked against PIL's exif_transpose.
        for orientation in 1...8 {
            let file = "orient\(orientation).jpg"
            let image = try ImageDecoder.decode(contentsOf: Fixtures.path(file))
            XCTAssertEqual(image.width, orientation >= 5 ? 16 : 24, file)
            let expected = try Fixtures.bytes("orient\(orientation).bin")
            XCTAssertEqual(image.pixels, expected, file)
            let raw = try ImageDecoder.decode(contentsOf: Fixtures.path(file), options: DecodeOptions(appliesOrientation: false))
            XCTAssertEqual(raw.width, 24, "orientation off keeps stored pixels")
        }
    }

    func testRGBConversionCompositesOrDropsAlpha() throws {
        let image = DecodedImage(width: 2, height: 1, layout: .rgba, pixels: [10, 20, 30, 0, 10, 20, 30, 255])
        XCTAssertEqual(image.toRGB().pixels, [255, 255, 255, 10, 20, 30])
        XCTAssertEqual(image.toRGB(alpha: .drop).pixels, [10, 20, 30, 10, 20, 30])
        let grey = DecodedImage(width: 1, height: 1, layout: .greyAlpha, pixels: [0, 128])
        XCTAssertEqual(grey.toRGB().pixels, [127, 127, 127])
    }

    func testSniffing() {
        XCTAssertEqual(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), .png)
        XCTAssertEqual(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertNil(ImageFormat.sniff(Array("GIF89a".utf8)))
    }

    func testErrorsAreTypedAndNameTheFile() throws {
        func reason(_ bytes: [UInt8], _ options: DecodeOptions = DecodeOptions()) -> String {
            do {
                _ = try ImageDecoder.decode(bytes, file: "x.png", options: options)
                return "decoded"
            } catch let error as ImageError {
                XCTAssertEqual(error.file, "x.png")
                XCTAssertTrue(error.description.hasPrefix("x.png: "))
                return error.category
            } catch {
                return "untyped \(error)"
            }
        }
        let png = try Fixtures.bytes("rgb8.png")
        let jpeg = try Fixtures.bytes("rgb.jpg")
        XCTAssertEqual(reason([]), "zero-byte")
        XCTAssertEqual(reason(Array("hello, world".utf8)), "not-an-image")
        XCTAssertEqual(reason(Array(png.prefix(png.count - 20))), "truncated")
        XCTAssertEqual(reason(Array(jpeg.prefix(jpeg.count / 2))), "truncated")
        XCTAssertEqual(reason(Array(png.prefix(40))), "truncated")
        var badCRC = png
        badCRC[30] ^= 0xFF // inside IHDR: CRC mismatch on a critical chunk
        XCTAssertEqual(reason(badCRC), "corrupt")
        XCTAssertEqual(reason(png, DecodeOptions(maxPixels: 34)), "too-large")
        XCTAssertEqual(reason(png, DecodeOptions(minimumSide: 6)), "too-small")
        XCTAssertEqual(reason(jpeg, DecodeOptions(maxPixels: 100)), "too-large")
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: "/nonexistent/file.png")) { error in
            XCTAssertEqual((error as? ImageError)?.category, "io")
            XCTAssertEqual((error as? ImageError)?.file, "/nonexistent/file.png")
        }
    }

    func testBombHeaderIsRejectedBeforeDecoding() throws {
        // A 100000 x 100000 IHDR with no pixel data: must fail as too-large, not try to allocate 30 GB.
        var png = try Fixtures.bytes("rgb8.png")
        let ihdr = Array(png[12..<29])
        var patched = ihdr
        patched.replaceSubrange(4..<8, with: [0x00, 0x01, 0x86, 0xA0])
        patched.replaceSubrange(8..<12, with: [0x00, 0x01, 0x86, 0xA0])
        png.replaceSubrange(12..<29, with: patched)
        let crc = crc32(patched)
        png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        XCTAssertThrowsError(try ImageDecoder.decode(png)) { error in
            guard case .tooLarge(let w, let h, _)? = (error as? ImageError)?.reason else { return XCTFail("\(error)") }
            XCTAssertEqual(w, 100_000)
            XCTAssertEqual(h, 100_000)
        }
    }
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}
