import Datasets
import Foundation
import Support
import Torch

/// This process's part of every global batch in a data-parallel run: rank `rank` of `count` takes rows
/// [rank * B/count, (rank + 1) * B/count) of each batch of B, and of every random draw made for it (all
/// ranks draw the whole batch's z and classes from the same generator and keep their rows). So the data
/// order, the random state and the checkpoint are those of one process with the global batch, and a run
/// resumes at any world size.
public struct DataShard: Equatable, Sendable {
    public var rank: Int
    public var count: Int
    public init(rank: Int, count: Int) { self.rank = rank; self.count = count }
    public static let whole = DataShard(rank: 0, count: 1)

    /// This rank's rows of a global batch of `total` (a multiple of `count`).
    public func part(of total: Int) -> Range<Int> {
        let n = total / count
        return (rank * n)..<((rank + 1) * n)
    }

    /// This rank's rows (dim 0) of a tensor drawn for the global batch.
    public func rows(of t: Tensor) throws -> Tensor {
        guard count > 1 else { return t }
        let r = part(of: t.size(0))
        return try t.narrow(dim: 0, start: r.lowerBound, length: r.count)
    }

    public func rows<T>(of a: [T]) -> [T] { count > 1 ? Array(a[part(of: a.count)]) : a }

    /// Checks that a global batch of `size` splits evenly.
    public func check(batch size: Int, _ what: String) throws {
        guard size % count == 0, size >= count else {
            throw TrainingError.invalidConfig("\(what) (\(size)) must be a multiple of the world size (\(count)) in data-parallel training")
        }
    }
}

/// What a family hands the driver for data-parallel training.
public struct DataParallelParts {
    /// Networks whose parameters and buffers rank 0 broadcasts at the start.
    public var modules: [Module]
    /// The training data's identity (compared across ranks at start-up).
    public var dataDigest: String
    public init(modules: [Module], dataDigest: String) { self.modules = modules; self.dataDigest = dataDigest }
}

extension TrainingFamily {
    public func distribute(_ parallel: DataParallel) throws -> DataParallelParts {
        throw TrainingError.invalidConfig("\(Self.kind) training does not support data parallelism yet")
    }
}

/// Data-parallel training on the driver (the parts of PyTorch's DistributedDataParallel it needs):
/// rank 0's parameters and buffers broadcast at the start, gradients averaged over the ranks in buckets
/// before every optimizer step, one agreement per iteration on the losses (averaged, for the log) and on
/// stopping (Ctrl-C on any rank stops all at the same iteration), rank 0 alone writing the run folder
/// with barriers around checkpoints, and a start-up check that every rank has the same data, model and
/// options.
public final class DataParallel {
    public let group: ProcessGroup
    /// Batch statistics of G's conditional batch norms are computed over all ranks (BigGAN's `cross_replica`).
    public let crossReplicaBatchNorm: Bool
    public var rank: Int { group.rank }
    public var worldSize: Int { group.worldSize }
    public var shard: DataShard { DataShard(rank: rank, count: worldSize) }
    /// Rank 0 writes the run folder (checkpoints, logs, TensorBoard, samples, the product).
    public var isWriter: Bool { rank == 0 }
    /// Bucket size of the gradient all-reduce (PyTorch DDP's default).
    public var bucketBytes = 25 << 20
    /// Gradient buckets are all-reduced during backward as their gradients become ready (DDP's Reducer);
    /// false: all at once after backward, before each optimizer step (`--no-overlap-allreduce`).
    public var overlapsBackward = true
    /// The reducer of each optimizer (overlapped mode), for the end-of-run summary.
    public private(set) var reducers: [(name: String, reducer: GradientReducer)] = []

    public init(group: ProcessGroup, crossReplicaBatchNorm: Bool) {
        self.group = group
        self.crossReplicaBatchNorm = crossReplicaBatchNorm
    }

    /// The process group for a batch norm layer (nil: local statistics).
    public var batchNormGroup: ProcessGroup? { crossReplicaBatchNorm ? group : nil }

    /// Before a resume: the family takes its shard (so a restored data position keeps it).
    func join<F: TrainingFamily>(_ family: F) throws -> DataParallelParts {
        try family.distribute(self)
    }

    /// After the family is built or restored: the ranks compare what they are about to train, rank 0's
    /// weights and buffers reach everyone, and every optimizer averages gradients before it steps.
    func start<F: TrainingFamily>(_ family: F, parts: DataParallelParts, iteration: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let options = (try? encoder.encode(family.config)).map { SHA256.hex($0) } ?? "?"
        let model = parts.modules.flatMap { $0.stateDict() }.map { "\($0.name)\($0.tensor.shape)" }.joined(separator: ";")
        let facts: [(String, String)] = [
            ("family", F.kind), ("world size", String(worldSize)), ("options", options), ("data", parts.dataDigest),
            ("model", SHA256.hex(Data(model.utf8))), ("starting iteration", String(iteration)),
            ("gradient all-reduce", "\(overlapsBackward ? "overlapped" : "after backward"), buckets of \(bucketBytes) bytes"),
        ]
        let mine = facts.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        try group.set("deepi2i/start/\(rank)", mine)
        for other in 0..<worldSize where other != rank {
            let theirs: String
            do { theirs = try group.get("deepi2i/start/\(other)") } catch {
                throw DistributedError.failed(rank: rank, operation: "the start-up check", absent: [other],
                                              detail: "rank \(other) did not reach it within \(group.timeout) s")
            }
            let differing = zip(mine.split(separator: "\n"), theirs.split(separator: "\n"))
                .filter { $0 != $1 }.map { String($0.0.split(separator: "=")[0]) }
            if !differing.isEmpty || mine != theirs {
                throw DistributedError.mismatch(rank: rank, "ranks \(rank) and \(other) disagree on the "
                    + "\(differing.isEmpty ? "setup" : differing.joined(separator: ", ")); every rank must start the same run "
                    + "(the same data, options and checkpoint)")
            }
        }
        let state = parts.modules.flatMap { $0.stateDict() }.map(\.tensor)
        try group.broadcast(state, from: 0, operation: "broadcasting rank 0's parameters and buffers")
        reducers = []
        for (name, optimizer) in family.optimizers {
            let operation = "the all-reduce of \(name)'s gradients"
            if overlapsBackward {
                let reducer = try GradientReducer(group: group, parameters: optimizer.parameters, bucketBytes: bucketBytes,
                                                  operation: operation)
                reducers.append((name, reducer))
                optimizer.didZeroGrad = { _ in try reducer.prepare() }
                optimizer.willStep = { _ in try reducer.finalize() }
            } else {
                optimizer.didZeroGrad = nil
                optimizer.willStep = { [group, bucketBytes] adam in
                    let grads = adam.parameters.compactMap(\.grad)
                    try group.allReduce(grads, average: true, bucketBytes: bucketBytes, operation: operation)
                }
            }
        }
    }

    /// What the gradient exchange did, per optimizer (printed by rank 0 at the end of a run).
    public var summary: String {
        guard overlapsBackward else { return "gradient all-reduce: after backward, buckets of \(bucketBytes) bytes" }
        return "gradient all-reduce overlapped with backward: "
            + reducers.map { "\($0.name): \($0.reducer.statistics)" }.joined(separator: "; ")
    }

    /// End of an iteration: the losses averaged over the ranks (as one process with the whole batch
    /// logs them) and whether any rank was asked to stop.
    func agree(_ losses: [String: Double], stop: Bool, iteration: Int) throws -> (losses: [String: Double], stop: Bool) {
        let keys = losses.keys.sorted()
        let values = try Tensor(keys.map { losses[$0]! } + [stop ? 1 : 0], shape: [keys.count + 1], device: .cpu)
        try group.allReduce([values], average: false, operation: "the loss exchange after iteration \(iteration)")
        let sums: [Double] = try values.toArray()
        var out: [String: Double] = [:]
        for (i, k) in keys.enumerated() { out[k] = sums[i] / Double(worldSize) }
        return (out, sums[keys.count] > 0)
    }

    func barrier(_ what: String) throws { try group.barrier(operation: what) }
}

/// `run.json`: the family's record plus the world size.
struct RunRecordWithWorldSize: Encodable {
    let record: any Encodable
    let worldSize: Int
    enum Keys: String, CodingKey { case worldSize = "world_size" }
    func encode(to encoder: Swift.Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(worldSize, forKey: .worldSize)
    }
}

/// Cross-replica batch statistics (BigGAN's `cross_replica`, PyTorch's SyncBatchNorm) without affine
/// parameters: mean and biased variance over the whole batch of all ranks normalise `x`; the running
/// statistics take the unbiased variance. The sums go through a differentiable all-reduce, so the
/// gradient flows through the statistics across ranks as it does through one process's batch.
enum CrossReplicaBatchNorm {
    static func normalize(_ x: Tensor, runningMean: Tensor, runningVar: Tensor, momentum: Double, eps: Double,
                          group: ProcessGroup) throws -> Tensor {
        let channels = x.size(1)
        let perChannel = x.elementCount / channels
        let count = try Tensor.full([channels], Double(perChannel), dtype: x.dtype, device: x.device)
        let local = try Tensor.stack([x.sum(dims: [0, 2, 3]), x.square().sum(dims: [0, 2, 3]), count])
        let total = try group.allReduceSumDifferentiable(local, operation: "cross-replica batch norm")
        let n = try total.select(dim: 0, index: 2)
        let mean = try total.select(dim: 0, index: 0) / n
        let variance = try total.select(dim: 0, index: 1) / n - mean.square()
        try withNoGrad {
            let all = try n.select(dim: 0, index: 0).item()
            try runningMean *= (1 - momentum)
            try runningMean += mean.detached() * momentum
            try runningVar *= (1 - momentum)
            try runningVar += variance.detached() * (momentum * all / max(all - 1, 1))
        }
        let shape = [1, channels, 1, 1]
        return try (x - mean.view(shape)) * (variance + eps).rsqrt().view(shape)
    }
}

extension Generator {
    /// The group over which every batch norm of G (the conditional ones and the output layer's) computes
    /// its training statistics (nil: each process its own batch's).
    public var crossReplicaGroup: ProcessGroup? {
        get { namedModules().lazy.compactMap { $0.module as? ConditionalBatchNorm }.first?.crossReplica }
        set {
            for (_, module) in namedModules() {
                if let bn = module as? ConditionalBatchNorm { bn.crossReplica = newValue }
                if let bn = module as? StoredBatchNorm { bn.crossReplica = newValue }
            }
        }
    }
}

extension PackedDataset {
    /// The dataset's identity: its files' SHA-256 from the manifest, with its size.
    var digest: String {
        let files = manifest.sha256.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        return SHA256.hex(Data("\(count);\(files)".utf8))
    }
}
