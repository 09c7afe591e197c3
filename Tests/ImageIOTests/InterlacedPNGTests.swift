import ImageIO
import XCTest

/// Adam7-interlaced PNGs decode to the same pixels as non-interlaced ones.
final class InterlacedPNGTests: XCTestCase {
    func testAdam7InterlacedPNGDecodesExactly() throws {
        // interlaced.png: 13x11 RGB, Adam7, written by hand (odd sizes leave some passes partial or
        // empty); interlaced.bin holds its pixels row-major (PIL decodes it to the same bytes).
        let image = try ImageDecoder.decode(Fixtures.bytes("interlaced.png"))
        XCTAssertEqual(image.width, 13)
        XCTAssertEqual(image.height, 11)
        XCTAssertEqual("\(image.layout)", "rgb")
        XCTAssertEqual(image.pixels, try Fixtures.bytes("interlaced.bin"))
    }
}
