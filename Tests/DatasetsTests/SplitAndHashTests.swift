import Datasets
import XCTest
import Support

final class SplitAndHashTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = [UInt8](repeating: 0x61, count: 1_000)
        var streaming = SHA256()
        streaming.update(long[..<333])
        streaming.update(long[333...])
        XCTAssertEqual(streaming.finalizeHex(), SHA256.hex(long))
        XCTAssertEqual(SHA256.hex(long), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testSplitIsDeterministicAndPerClass() {
        let labels = (0..<230).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) } + [3, 3, 3] + [4]
        let a = DatasetSplit.split(labels: labels, classCount: 6, seed: 42)
        let b = DatasetSplit.split(labels: labels, classCount: 6, seed: 42)
        let c = DatasetSplit.split(labels: labels, classCount: 6, seed: 43)
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.test, b.test)
        XCTAssertNotEqual(a.test, c.test)
        XCTAssertEqual(Set(a.train).union(a.test), Set(0..<labels.count))
        XCTAssertTrue(Set(a.train).isDisjoint(with: a.test))
        for label in 0..<6 {
            let n = labels.filter { $0 == label }.count
            let tests = a.test.filter { labels[$0] == label }.count
            XCTAssertEqual(tests, DatasetSplit.testCount(forClassOf: n), "class \(label)")
        }
        // Rounding rule: 10 % rounded half up, at least one for n >= 2, none for a single item.
        XCTAssertEqual([0, 1, 2, 4, 14, 15, 77, 100].map(DatasetSplit.testCount(forClassOf:)), [0, 0, 1, 1, 1, 2, 8, 10])
    }

    func testSplitMixIsStable() {
        var rng = SplitMix64(seed: 1234567)
        XCTAssertEqual(rng.next(), 6457827717110365317)  // reference value of the published algorithm
        var items = Array(0..<10)
        var r1 = SplitMix64(seed: 9), r2 = SplitMix64(seed: 9)
        var copy = items
        r1.shuffle(&items)
        r2.shuffle(&copy)
        XCTAssertEqual(items, copy)
        XCTAssertNotEqual(items, Array(0..<10))
    }
}
