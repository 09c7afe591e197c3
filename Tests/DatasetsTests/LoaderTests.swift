import Datasets
import XCTest
import Support

final class LoaderTests: XCTestCase {
    var folder: URL!
    var dataset: PackedDataset!

    override func setUpWithError() throws {
        let parent = try temporaryFolder("loader")
        folder = parent.appendingPathComponent("ds")
        dataset = try LoaderBenchmark.makeSyntheticDataset(at: folder, count: 300, resolution: 8, overwrite: false)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent())
    }

    func testEpochsAreDeterministicAndCoverTheSplit() throws {
        let loader = try DataLoader(dataset: dataset, batchSize: 16, seed: 5, prefetch: 3)
        let same = try DataLoader(dataset: dataset, batchSize: 16, seed: 5, prefetch: 0)
        XCTAssertEqual(loader.order(epoch: 0), same.order(epoch: 0))
        XCTAssertNotEqual(loader.order(epoch: 0), loader.order(epoch: 1))
        XCTAssertNotEqual(loader.order(epoch: 0), try DataLoader(dataset: dataset, batchSize: 16, seed: 6).order(epoch: 0))
        let prefetched = Array(loader.batches(epoch: 2))
        let direct = Array(same.batches(epoch: 2))
        XCTAssertEqual(prefetched.map(\.indices), direct.map(\.indices))
        XCTAssertEqual(prefetched.map(\.images), direct.map(\.images))
        let trainCount = dataset.indices(.train).count
        XCTAssertEqual(trainCount, 270)
        XCTAssertEqual(prefetched.count, trainCount / 16)
        XCTAssertTrue(prefetched.allSatisfy { $0.count == 16 && $0.images.count == 16 * 8 * 8 * 3 })
        XCTAssertEqual(Set(prefetched.flatMap(\.indices)).count, trainCount / 16 * 16)
        XCTAssertTrue(Set(prefetched.flatMap(\.indices)).isSubset(of: dataset.indices(.train)))
        let keepLast = try DataLoader(dataset: dataset, batchSize: 16, dropsLast: false, seed: 5)
        XCTAssertEqual(Array(keepLast.batches(epoch: 0)).last?.count, trainCount % 16)
        // Abandoning an iterator mid-epoch must not hang or leak a blocked producer.
        var partial = loader.batches(epoch: 3)
        _ = partial.next()
    }

    func testClassSampling() throws {
        let loader = try DataLoader(dataset: dataset, batchSize: 8, seed: 1)
        var rng = SplitMix64(seed: 3)
        let batch = try loader.sampleBatch(ofClass: 4, count: 20, using: &rng)
        XCTAssertEqual(batch.labels, [Int](repeating: 4, count: 20))
        XCTAssertTrue(Set(batch.indices).isSubset(of: dataset.indices(.train)))
        XCTAssertEqual(batch.images.count, 20 * 192)
        let mixed = try loader.randomBatch(count: 2000, using: &rng)
        let counts = Dictionary(grouping: mixed.labels, by: { $0 }).mapValues(\.count)
        XCTAssertEqual(counts.count, 10)
        XCTAssertTrue(counts.values.allSatisfy { (140...260).contains($0) }, "\(counts)")
        XCTAssertThrowsError(try loader.sampleBatch(ofClass: 10, count: 1, using: &rng))
    }

    func testPerClassLimitKeepsTheFirstImagesOfEachClass() throws {
        let limited = try DataLoader(dataset: dataset, batchSize: 4, seed: 1, perClassLimit: 3)
        let byClass = dataset.indicesByClass(.train)
        let expected = Set(byClass.flatMap { $0.prefix(3) })
        XCTAssertEqual(limited.imageCount, 30)
        XCTAssertEqual(Set(limited.order(epoch: 0)), expected)
        XCTAssertEqual(Set(Array(limited.batches(epoch: 1)).flatMap(\.indices)), Set(limited.order(epoch: 1).prefix(28)))
        var rng = SplitMix64(seed: 2)
        XCTAssertTrue(Set(try limited.sampleBatch(ofClass: 4, count: 50, using: &rng).indices).isSubset(of: Set(byClass[4].prefix(3))))
        XCTAssertEqual(try DataLoader(dataset: dataset, batchSize: 4, perClassLimit: 1000).imageCount, dataset.indices(.train).count)
        XCTAssertThrowsError(try DataLoader(dataset: dataset, batchSize: 4, perClassLimit: 0))
    }

    func testBenchmarkRuns() throws {
        let result = try LoaderBenchmark.run(dataset: dataset, batchSize: 32, epochs: 2, prefetch: 2)
        XCTAssertEqual(result.images, 2 * (300 / 32) * 32)
        XCTAssertGreaterThan(result.imagesPerSecond, 0)
    }
}
