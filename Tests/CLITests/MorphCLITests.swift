import Foundation
import ImageIO
import XCTest

final class MorphCLITests: XCTestCase {
    func testMorphWritesStripAndGIF() throws {
        let dir = try CLI.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.png")
        try CLI.writeImage(input)
        let out = dir.appendingPathComponent("morphs/bear-to-dog")
        let r = try CLI.run(["morph", "--model", dir.appendingPathComponent("model").path, "--input", input.path,
                             "--from", "bear", "--via", "bird", "--via", "cat", "--to", "dog", "--steps", "3", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bear -> bird -> cat -> dog: 7 frames"), r.stdout)
        let strip = try ImageDecoder.decode(contentsOf: out.appendingPathExtension("png").path)
        XCTAssertEqual([strip.width, strip.height], [8 * 32 + 9 * 2, 32 + 2 * 2]) // input + 7 frames
        let gif = [UInt8](try Data(contentsOf: out.appendingPathExtension("gif")))
        XCTAssertEqual(Array(gif.prefix(6)), Array("GIF89a".utf8))
        XCTAssertEqual(gif.last, 0x3B)
        XCTAssertTrue(r.stdout.contains("video: "), r.stdout)
    }
}
