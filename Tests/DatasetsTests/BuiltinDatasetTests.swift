import Datasets
import Foundation
import XCTest

/// Reads the real installed data; skipped (not installed on demand) when the data is absent.
final class BuiltinDatasetTests: XCTestCase {
    func load(_ dataset: BuiltinDataset) throws -> GreyImageSet {
        do {
            return try BuiltinDatasets.load(dataset, installIfMissing: false)
        } catch DatasetError.sourceMissing(let what) {
            throw XCTSkip("\(what) not installed")
        }
    }

    func testAnimalMNIST() throws {
        let set = try load(.animalMNIST)
        XCTAssertEqual(set.count, 10_000)
        XCTAssertEqual(Set(set.labels), Set(0..<10))
        let parent = try temporaryFolder("animal")
        defer { try? FileManager.default.removeItem(at: parent) }
        let summary = try BuiltinDatasets.pack(set, resolution: 32, out: parent.appendingPathComponent("a"), seed: 1, perClassLimit: 20)
        XCTAssertEqual(summary.classCounts, [Int](repeating: 20, count: 10))
        XCTAssertEqual(summary.testCount, 20)
        let packed = try PackedDataset(at: parent.appendingPathComponent("a"), verifyHashes: true)
        XCTAssertEqual(packed.resolution, 32)
        XCTAssertEqual(packed.manifest.classNames.first, "bear")
    }

    func testFashionMNIST() throws {
        let set = try load(.fashionMNIST)
        XCTAssertEqual(set.count, 70_000)
        XCTAssertEqual(set.labels.filter { $0 == 9 }.count, 7_000)
        XCTAssertEqual(set.classNames[9], "Ankle boot")
    }

    /// 220 MB of pickle: about 20 s in a debug build, so opt-in with DATASETS_FULL_TESTS=1.
    func testMNIST() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["DATASETS_FULL_TESTS"] == "1", "set DATASETS_FULL_TESTS=1")
        let set = try load(.mnist)
        XCTAssertEqual(set.count, 70_000)
        XCTAssertEqual(Set(set.labels), Set(0..<10))
        XCTAssertEqual(set.pixels.max(), 255)
    }
}
