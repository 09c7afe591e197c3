import DeepI2I
@testable import DeepI2IServe
import XCTest

final class ClassSelectionTests: XCTestCase {
    var config = ModelConfig()

    override func setUp() {
        config.classCount = 4
        config.classNames = ["bear", "bird", "cat", "tiger"]
    }

    func testNamesIndicesAndAll() throws {
        XCTAssertEqual(try ClassSelection.resolve("bird, 0,TIGER", config: config), [1, 0, 3])
        XCTAssertEqual(try ClassSelection.resolve("all", config: config), [0, 1, 2, 3])
    }

    func testUnknownNameSuggestsNearest() {
        XCTAssertThrowsError(try ClassSelection.resolve("beer", config: config)) { error in
            guard case let ClassSelectionError.unknownName(name, suggestions) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "beer")
            XCTAssertEqual(suggestions.first, "bear")
            XCTAssertTrue("\(error)".contains("did you mean 'bear'"), "\(error)")
        }
        // Nothing close: no suggestion rather than a misleading one.
        XCTAssertThrowsError(try ClassSelection.resolve("aeroplane", config: config)) { error in
            XCTAssertEqual(error as? ClassSelectionError, .unknownName("aeroplane", suggestions: []))
        }
    }

    func testIndexOutOfRangeAndEmpty() {
        XCTAssertThrowsError(try ClassSelection.resolve("4", config: config)) {
            XCTAssertEqual($0 as? ClassSelectionError, .indexOutOfRange(4, count: 4))
        }
        XCTAssertThrowsError(try ClassSelection.resolve(" , ", config: config)) {
            XCTAssertEqual($0 as? ClassSelectionError, .empty)
        }
    }

    func testEditDistance() {
        XCTAssertEqual(EditDistance.distance("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.distance("", "abc"), 3)
        XCTAssertEqual(EditDistance.distance("Bear", "bear"), 0)
        XCTAssertEqual(EditDistance.nearest(to: "brd", in: ["bird", "bear", "cat"]), ["bird"])
        XCTAssertEqual(EditDistance.nearest(to: "bera", in: ["zebra", "bird", "bear", "cat"]), ["bear", "bird", "zebra"]) // ties sorted by name
    }
}
