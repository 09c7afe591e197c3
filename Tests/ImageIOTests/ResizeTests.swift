import ImageIO
import XCTest

final class ResizeTests: XCTestCase {
    func testResizeMatchesPIL() throws {
        let source = try ImageDecoder.decode(contentsOf: Fixtures.path("resize_src.png")).toRGB()
        let filters: [String: ResampleFilter] = ["bicubic": .bicubic, "bilinear": .bilinear, "lanczos": .lanczos, "box": .box]
        for entry in try Fixtures.entries("resize") {
            let file = try XCTUnwrap(entry["file"] as? String)
            let width = try XCTUnwrap(entry["width"] as? Int), height = try XCTUnwrap(entry["height"] as? Int)
            let filter = try XCTUnwrap(filters[try XCTUnwrap(entry["filter"] as? String)])
            let resized = source.resized(width: width, height: height, filter: filter)
            let diff = maxAbsDiff(resized.pixels, try Fixtures.bytes(file))
            // The port of PIL's resampling is exact (fixed-point coefficients and rounding as PIL's).
            XCTAssertEqual(diff, 0, file)
        }
    }

    func testCenterCropThenResizeMatchesPIL() throws {
        let source = try ImageDecoder.decode(contentsOf: Fixtures.path("resize_src.png")).toRGB()
        let out = source.squareResized(to: 8, filter: .bicubic)
        XCTAssertEqual(maxAbsDiff(out.pixels, try Fixtures.bytes("crop_resize_8_bicubic.bin")), 0)
    }

    func testCenterCrop() {
        var image = RGBImage(width: 5, height: 2, red: 0, green: 0, blue: 0)
        for x in 0..<5 { image.pixels[x * 3] = UInt8(x); image.pixels[(5 + x) * 3] = UInt8(x) }
        let crop = image.centerCropped()
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop[0, 0].0, 1)
        XCTAssertEqual(crop[1, 1].0, 2)
    }
}
