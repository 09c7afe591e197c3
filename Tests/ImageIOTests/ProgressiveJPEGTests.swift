import ImageIO
import XCTest

/// Progressive JPEGs decode exactly like PIL, and a scan limit stops files with too many scans
/// (each scan is a pass over the whole image: thousands of them make a decoding-time bomb).
final class ProgressiveJPEGTests: XCTestCase {
    func testProgressiveDecodesExactlyAndScanLimitRefuses() throws {
        // progressive.jpg: 64x48, written by PIL with progressive=True (10 scans); .bin is PIL's decode.
        let bytes = try Fixtures.bytes("progressive.jpg")
        let image = try ImageDecoder.decode(bytes)
        XCTAssertEqual(image.width, 64)
        XCTAssertEqual(image.pixels, try Fixtures.bytes("progressive.bin"))
        XCTAssertEqual(DecodeOptions().maxJPEGScans, 100)

        var options = DecodeOptions()
        options.maxJPEGScans = 10
        XCTAssertNoThrow(try ImageDecoder.decode(bytes, options: options), "exactly at the limit")
        options.maxJPEGScans = 3
        XCTAssertThrowsError(try ImageDecoder.decode(bytes, file: "p.jpg", options: options)) { error in
            XCTAssertTrue("\(error)".contains("more than 3 scans"), "\(error)")
        }
    }
}
