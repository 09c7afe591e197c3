import Datasets
import Torch

/// The official D step's source of real images: a second loader over the same training images, shuffled
/// independently of the one that supplies the inputs to translate (BigGAN-PyTorch's DeepI2I `train.py`
/// draws `x, y` and `t_x, t_y` from two loaders), each image with its own label.
///
/// It takes one micro-batch per input micro-batch, so its position always equals the input stream's:
/// a resumed run restores it from the same checkpointed `BatchStream.Position`.
public struct RealSampler {
    private var stream: BatchStream

    /// `nil` when `config` shows D the inputs themselves (`--d-reals inputs`, or configs older than the option).
    public init?(config: TrainingConfig, inputs loader: DataLoader, position: BatchStream.Position,
                 shard: DataShard = .whole) throws {
        guard config.discriminatorReals == .independent else { return nil }
        let reals = try DataLoader(dataset: loader.dataset, split: .train, batchSize: loader.batchSize, shuffles: true,
                                   dropsLast: true, seed: Self.seed(config.seed), prefetch: 0,
                                   perClassLimit: config.trainImagesPerClass)
        stream = try BatchStream(loader: reals, position: position, shard: shard)
    }

    /// The shuffle seed of the reals, distinct from the inputs' `seed`.
    static func seed(_ seed: UInt64) -> UInt64 { seed ^ 0x5245_414C_5F44_5354 }

    /// The next micro-batch of reals with their labels.
    public mutating func next(device: Device) throws -> (images: Tensor, classes: [Int]) {
        let batch = stream.next()
        return (try ImageTensors.tensor(from: batch, device: device).images, batch.labels)
    }
}
