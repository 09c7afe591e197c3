import DeepI2IServe
import ImageIO
import XCTest

final class OutputImageTests: XCTestCase {
    func testGridLayout() {
        let red = RGBImage(width: 4, height: 3, red: 255, green: 0, blue: 0)
        let blue = RGBImage(width: 4, height: 3, red: 0, green: 0, blue: 255)
        let grid = ImageGrid.translation(input: red, samples: [[blue, blue], [blue, blue]], gap: 1)
        XCTAssertEqual(grid.width, 3 * 4 + 4)
        XCTAssertEqual(grid.height, 2 * 3 + 3)
        XCTAssertTrue(grid[1, 1] == (255, 0, 0))   // input, first row
        XCTAssertTrue(grid[1, 5] == (255, 0, 0))   // input repeated, second row
        XCTAssertTrue(grid[6, 1] == (0, 0, 255))   // first class
        XCTAssertTrue(grid[0, 0] == (255, 255, 255)) // gap
    }

    func testAnimatedGIF() throws {
        let frames = (0..<5).map { k in
            RGBImage(width: 20, height: 10, red: UInt8(k * 50), green: 100, blue: UInt8(255 - k * 50))
        }
        let gif = try GIFEncoder.animated(frames, delayCentiseconds: 8)
        XCTAssertEqual(gifFrameCount(gif), 5)
        XCTAssertEqual(Int(gif[6]) | Int(gif[7]) << 8, 20) // logical screen width
        XCTAssertTrue(String(decoding: gif, as: UTF8.self).contains("NETSCAPE2.0"))
        XCTAssertThrowsError(try GIFEncoder.animated([]))
    }

    func testQuantizerKeepsFewColoursExactEnough() {
        let image = SampleImage.make(side: 40)
        let q = ColorQuantizer(images: [image])
        XCTAssertLessThanOrEqual(q.colorCount, 256)
        let idx = q.indices(of: image)
        var worst = 0
        for (i, p) in idx.enumerated() {
            for ch in 0..<3 {
                worst = max(worst, abs(Int(q.palette[Int(p) * 3 + ch]) - Int(image.pixels[i * 3 + ch])))
            }
        }
        XCTAssertLessThanOrEqual(worst, 12)
    }
}
