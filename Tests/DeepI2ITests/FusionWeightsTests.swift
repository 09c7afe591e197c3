import DeepI2I
import Foundation
import XCTest

/// FusionWeights parses, validates and prints itself, and holds the official 0.1 once.
final class FusionWeightsTests: XCTestCase {
    func testParsePrintRoundTripAndErrors() throws {
        let all = try FusionWeights(parsing: "0.5")
        XCTAssertEqual(all.entries, ["all": 0.5])
        let pairs = try FusionWeights(parsing: " 8:1, 4:0.25 ")
        XCTAssertEqual(pairs.entries, ["8": 1, "4": 0.25])
        XCTAssertEqual(pairs.description, "8:1.0,4:0.25")
        XCTAssertEqual(try FusionWeights(parsing: pairs.description), pairs)
        let mixed: FusionWeights = ["all": 2, "16": 0.5]
        XCTAssertEqual(mixed.description, "2.0,16:0.5")
        for bad in ["8:x", "", "eight:1", "0:1", "-1", "8:-2", "nan"] {
            XCTAssertThrowsError(try FusionWeights(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".contains("--fusion-weights"), "\(bad): \(error)")
            }
        }
        // Stored in configs as the plain dictionary it always was.
        let json = try JSONEncoder().encode(pairs)
        XCTAssertEqual(try JSONDecoder().decode([String: Double].self, from: json), ["8": 1, "4": 0.25])
        XCTAssertEqual(try JSONDecoder().decode(FusionWeights.self, from: json), pairs)
    }

    func testOfficialDefaultsAndOverrides() throws {
        XCTAssertEqual(FusionWeights.official, 0.1)
        XCTAssertEqual(FusionWeights.officialDefaults(levels: [32, 8], scratch: false), ["32": 0.1, "8": 0.1])
        XCTAssertEqual(FusionWeights.officialDefaults(levels: [32, 8], scratch: true), ["32": 0.1, "8": 1])
        XCTAssertEqual(try ModelConfig(resolution: 32, channels: 8).fusionWeights.values.allSatisfy { $0 == FusionWeights.official }, true)
        let defaults = FusionWeights.officialDefaults(levels: [16, 8], scratch: false)
        XCTAssertEqual(try (["all": 1, "8": 0.5] as FusionWeights).applied(to: defaults, levels: [16, 8]), ["16": 1, "8": 0.5])
        XCTAssertThrowsError(try (["64": 1] as FusionWeights).applied(to: defaults, levels: [16, 8])) { error in
            XCTAssertTrue("\(error)".contains("width 64"), "\(error)")
        }
    }
}
