import Datasets

/// An endless stream of training batches whose position (epoch, batch within epoch) is plain data,
/// so a resumed run continues with exactly the batch it would have seen. Each epoch's order is a
/// function of (seed, epoch) only (see `DataLoader.order`).
public struct BatchStream {
    public struct Position: Codable, Equatable, Sendable {
        public var epoch = 0
        public var batch = 0
        public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
    }

    public let loader: DataLoader
    public private(set) var position: Position
    private var order: [Int]
    /// Data parallel: this rank's rows of every batch (the position counts whole batches).
    public let shard: DataShard

    public init(loader: DataLoader, position: Position = Position(), shard: DataShard = .whole) throws {
        guard loader.batchesPerEpoch > 0 else {
            throw TrainingError.data("the training split has fewer images than one batch (\(loader.batchSize))")
        }
        try shard.check(batch: loader.batchSize, "the images per (micro-)batch")
        self.loader = loader
        self.position = position
        self.shard = shard
        order = loader.order(epoch: position.epoch)
    }

    public mutating func next() -> ImageBatch {
        if position.batch >= loader.batchesPerEpoch {
            position = Position(epoch: position.epoch + 1, batch: 0)
            order = loader.order(epoch: position.epoch)
        }
        let size = loader.batchSize
        let rows = shard.part(of: size)
        let indices = Array(order[(position.batch * size + rows.lowerBound)..<(position.batch * size + rows.upperBound)])
        position.batch += 1
        return loader.batch(indices)
    }
}
