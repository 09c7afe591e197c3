import DeepI2I
import DeepI2IServe
import ImageIO
import XCTest

final class TranslatorTests: XCTestCase {
    func testShapesAndOrder() throws {
        let t = try TestModel.translator()
        let a = SampleImage.make(side: 32)
        let b = RGBImage(width: 32, height: 32, red: 10, green: 200, blue: 90)
        let out = try t.translate([a, b], classes: [0, 2, 4], samples: 2, seed: 3, batchSize: 4)
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out.map(\.count), [2, 2])
        XCTAssertTrue(out.allSatisfy { $0.allSatisfy { $0.count == 3 && $0.allSatisfy { $0.width == 32 && $0.height == 32 } } })
        // Each input's result is what it gets alone: inputs do not leak into each other's batch.
        let alone = try t.translate([b], classes: [0, 2, 4], samples: 2, seed: 3, batchSize: 32)
        for s in 0..<2 { for c in 0..<3 { XCTAssertLessThanOrEqual(maxDifference(out[1][s][c], alone[0][s][c]), 2) } }
        // Different classes and different samples give different images.
        XCTAssertGreaterThan(maxDifference(out[0][0][0], out[0][0][1]), 0)
        XCTAssertGreaterThan(maxDifference(out[0][0][0], out[0][1][0]), 0)
    }

    func testSeedAndTruncation() throws {
        let t = try TestModel.translator()
        let x = SampleImage.make(side: 32)
        let first = try t.translate([x], classes: [1], samples: 2, seed: 7)
        let again = try t.translate([x], classes: [1], samples: 2, seed: 7)
        let other = try t.translate([x], classes: [1], samples: 2, seed: 8)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        // Truncation 0 is z = 0 for every sample and every seed.
        let zero = try t.translate([x], classes: [1], samples: 2, seed: 7, truncation: 0)
        let zeroOther = try t.translate([x], classes: [1], samples: 2, seed: 99, truncation: 0)
        XCTAssertEqual(zero[0][0], zero[0][1])
        XCTAssertEqual(zero, zeroOther)
    }

    func testMorphEndpointsMatchTranslation() throws {
        let t = try TestModel.translator()
        let x = SampleImage.make(side: 32)
        let frames = try t.morph(x, path: [0, 3, 1], steps: 4, seed: 5)
        XCTAssertEqual(frames.count, 7) // two legs of 4 frames sharing one
        let ends = try t.translate([x], classes: [0, 3, 1], samples: 1, seed: 5)[0][0]
        XCTAssertLessThanOrEqual(maxDifference(frames[0], ends[0]), 2)
        XCTAssertLessThanOrEqual(maxDifference(frames[3], ends[1]), 2)
        XCTAssertLessThanOrEqual(maxDifference(frames[6], ends[2]), 2)
        XCTAssertGreaterThan(maxDifference(frames[1], frames[0]), 0)
        XCTAssertThrowsError(try t.morph(x, path: [0], steps: 4, seed: 0))
        XCTAssertThrowsError(try t.morph(x, path: [0, 1], steps: 1, seed: 0))
    }

    func testBadArguments() throws {
        let t = try TestModel.translator()
        let x = SampleImage.make(side: 32)
        XCTAssertThrowsError(try t.translate([x], classes: [5], samples: 1, seed: 0))
        XCTAssertThrowsError(try t.translate([x], classes: [0], samples: 0, seed: 0))
        XCTAssertThrowsError(try t.translate([x], classes: [], samples: 1, seed: 0))
    }
}
