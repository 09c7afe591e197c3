import Foundation
import ImageIO
import Support

/// Loader throughput measurement, for the CLI's `bench` and for tuning prefetch depth.
public enum LoaderBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var images: Int
        public var seconds: Double
        public var batchSize: Int
        public var resolution: Int
        public var prefetch: Int
        public var imagesPerSecond: Double { Double(images) / max(seconds, 1e-9) }
        public var description: String {
            String(format: "%d images (%dpx, batch %d, prefetch %d) in %.3f s: %.0f images/s",
                   images, resolution, batchSize, prefetch, seconds, imagesPerSecond)
        }
    }

    /// Iterates `epochs` epochs of `dataset` and reports images/s. `consume` stands in for the
    /// consumer (e.g. tensor conversion); the default touches every batch so nothing is optimised away.
    public static func run(dataset: PackedDataset, batchSize: Int = 64, epochs: Int = 3, prefetch: Int = 2,
                           consume: (ImageBatch) -> Void = { _ in }) throws -> Result {
        let loader = try DataLoader(dataset: dataset, split: .all, batchSize: batchSize, dropsLast: true, seed: 1, prefetch: prefetch)
        var images = 0
        var checksum = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for epoch in 0..<epochs {
            for batch in loader.batches(epoch: epoch) {
                consume(batch)
                checksum &+= Int(batch.images[batch.images.count / 2])
                images += batch.count
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if checksum == -1 { print("") }  // keeps the reads observable
        return Result(images: images, seconds: seconds, batchSize: batchSize, resolution: dataset.resolution, prefetch: prefetch)
    }

    /// Packs a synthetic dataset (`count` noise images in 10 classes) into `folder` for benchmarking.
    public static func makeSyntheticDataset(at folder: URL, count: Int = 2000, resolution: Int = 64, overwrite: Bool = true) throws -> PackedDataset {
        let writer = try PackedDatasetWriter(destination: folder, resolution: resolution, overwrite: overwrite)
        var rng = SplitMix64(seed: 7)
        for index in 0..<count {
            var pixels = [UInt8](repeating: 0, count: resolution * resolution * 3)
            for p in stride(from: 0, to: pixels.count, by: 8) {
                let word = rng.next()
                for k in 0..<min(8, pixels.count - p) { pixels[p + k] = UInt8(truncatingIfNeeded: word >> UInt64(8 * k)) }
            }
            try writer.append(RGBImage(width: resolution, height: resolution, pixels: pixels), label: index % 10)
        }
        try writer.finish(classNames: (0..<10).map { "class\($0)" }, seed: 0, source: "synthetic noise for benchmarking")
        return try PackedDataset(at: folder)
    }
}
