import Foundation
import Support

/// A batch of images (N x R x R x 3 uint8, HWC) with labels and dataset indices.
public struct ImageBatch: Sendable {
    public var images: [UInt8]
    public var labels: [Int]
    public var indices: [Int]
    public var resolution: Int

    public var count: Int { labels.count }
}

/// Batches over a packed dataset: seeded per-epoch shuffles, fixed batch size, optional
/// drop-last, background prefetch, and class-conditional sampling.
public final class DataLoader: @unchecked Sendable {  // immutable configuration
    public let dataset: PackedDataset
    public let split: PackedDataset.Split
    public let batchSize: Int
    public let shuffles: Bool
    public let dropsLast: Bool
    public let seed: UInt64
    /// Batches prepared ahead on a background thread (0 = prepare on demand).
    public let prefetch: Int
    private let members: [Int]
    private let byClass: [[Int]]

    /// `perClassLimit` keeps only the first N images of each class of the split (in the split's order):
    /// data-scarcity studies on the same test split.
    public init(dataset: PackedDataset, split: PackedDataset.Split = .train, batchSize: Int, shuffles: Bool = true,
                dropsLast: Bool = true, seed: UInt64 = 0, prefetch: Int = 2, perClassLimit: Int? = nil) throws {
        guard batchSize > 0 else { throw DatasetError.invalidArgument("batch size must be positive") }
        guard prefetch >= 0 else { throw DatasetError.invalidArgument("prefetch must be >= 0") }
        if let perClassLimit, perClassLimit < 1 { throw DatasetError.invalidArgument("images per class must be >= 1, got \(perClassLimit)") }
        self.dataset = dataset
        self.split = split
        self.batchSize = batchSize
        self.shuffles = shuffles
        self.dropsLast = dropsLast
        self.seed = seed
        self.prefetch = prefetch
        if let perClassLimit {
            var kept = [Int](repeating: 0, count: dataset.classCount)
            members = dataset.indices(split).filter { index in
                let label = dataset.labels[index]
                kept[label] += 1
                return kept[label] <= perClassLimit
            }
            let memberSet = Set(members)
            byClass = dataset.indicesByClass(split).map { $0.filter(memberSet.contains) }
        } else {
            members = dataset.indices(split)
            byClass = dataset.indicesByClass(split)
        }
    }

    /// Images this loader draws from.
    public var imageCount: Int { members.count }

    /// Number of batches per epoch.
    public var batchesPerEpoch: Int {
        dropsLast ? members.count / batchSize : (members.count + batchSize - 1) / batchSize
    }

    /// Index order of `epoch`: a function of (seed, epoch) only, so any epoch can be replayed.
    public func order(epoch: Int) -> [Int] {
        var order = members
        if shuffles {
            var rng = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: epoch))
            rng.shuffle(&order)
        }
        return order
    }

    /// The batches of one epoch, prepared `prefetch` ahead on a background thread.
    public func batches(epoch: Int) -> PrefetchingIterator<ImageBatch> {
        let order = order(epoch: epoch)
        let plan = (0..<batchesPerEpoch).map { b in Array(order[(b * batchSize)..<min(order.count, (b + 1) * batchSize)]) }
        return PrefetchingIterator(count: plan.count, depth: prefetch) { [self] in self.batch(plan[$0]) }
    }

    /// Assembles the given indices into a batch.
    public func batch(_ indices: [Int]) -> ImageBatch {
        let size = dataset.bytesPerImage
        var images = [UInt8](repeating: 0, count: indices.count * size)
        images.withUnsafeMutableBytes { raw in
            for (slot, index) in indices.enumerated() {
                dataset.copyImage(index, to: UnsafeMutableRawBufferPointer(rebasing: raw[(slot * size)..<((slot + 1) * size)]))
            }
        }
        return ImageBatch(images: images, labels: indices.map { dataset.labels[$0] }, indices: indices, resolution: dataset.resolution)
    }

    /// `count` images of class `label` from this loader's split, drawn uniformly with replacement.
    public func sampleBatch(ofClass label: Int, count: Int, using rng: inout SplitMix64) throws -> ImageBatch {
        guard label >= 0, label < byClass.count, !byClass[label].isEmpty else {
            throw DatasetError.invalidArgument("class \(label) has no images in this split")
        }
        let pool = byClass[label]
        return batch((0..<count).map { _ in pool[rng.below(pool.count)] })
    }

    /// `count` images whose classes are uniform over the non-empty classes (then uniform within class).
    public func randomBatch(count: Int, using rng: inout SplitMix64) throws -> ImageBatch {
        let classes = byClass.indices.filter { !byClass[$0].isEmpty }
        guard !classes.isEmpty else { throw DatasetError.invalidArgument("split has no images") }
        return batch((0..<count).map { _ in
            let pool = byClass[classes[rng.below(classes.count)]]
            return pool[rng.below(pool.count)]
        })
    }
}

/// Produces `count` items in order, computing up to `depth` of them ahead on a background queue.
/// Dropping the iterator stops the producer.
public final class PrefetchingIterator<Element>: IteratorProtocol, Sequence {
    private final class Shared: @unchecked Sendable {  // all mutable state guarded by `lock`
        let lock = NSLock()
        var ready: [Element] = []
        var cancelled = false
        let free: DispatchSemaphore
        let filled = DispatchSemaphore(value: 0)
        init(depth: Int) {
            // libdispatch traps when a semaphore is freed below its initial value, so start at 0.
            free = DispatchSemaphore(value: 0)
            for _ in 0..<depth { free.signal() }
        }
    }

    private let shared: Shared?
    private let make: (Int) -> Element
    private let count: Int
    private var position = 0

    public init(count: Int, depth: Int, make: @escaping (Int) -> Element) {
        self.count = count
        self.make = make
        guard depth > 0, count > 0 else { shared = nil; return }
        let shared = Shared(depth: depth)
        self.shared = shared
        DispatchQueue.global(qos: .userInitiated).async {
            for index in 0..<count {
                shared.free.wait()
                if shared.lock.withLock({ shared.cancelled }) { return }
                let item = make(index)
                shared.lock.withLock { shared.ready.append(item) }
                shared.filled.signal()
            }
        }
    }

    deinit {
        guard let shared else { return }
        shared.lock.withLock { shared.cancelled = true }
        shared.free.signal()  // wake a producer blocked on a full buffer so it can exit
    }

    public func next() -> Element? {
        guard position < count else { return nil }
        defer { position += 1 }
        guard let shared else { return make(position) }
        shared.filled.wait()
        let item = shared.lock.withLock { shared.ready.removeFirst() }
        shared.free.signal()
        return item
    }
}
