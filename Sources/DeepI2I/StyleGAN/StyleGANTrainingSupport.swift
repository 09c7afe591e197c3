import Datasets
import Foundation
import Support
import Torch

/// What both StyleGAN trainers share: the image stream of one domain, the official optimizers (the
/// mapping network as a second G group at lr x 0.01), the latent draw with style mixing, the D step,
/// `accumulate(g_running, G, decay)` and the horizontal flip. Every random draw comes from the family's
/// sampling generator, whose state every checkpoint holds, so a resumed run is exact.

/// An endless, per-epoch shuffled stream over the training images of one domain (a dataset, or one
/// class of it). Its place is the number of batches taken, so several streams can share one checkpointed
/// `BatchStream.Position`.
struct DomainStream {
    let dataset: PackedDataset
    let members: [Int]
    /// The class the domain is restricted to (nil: every image).
    let label: Int?
    let batchSize: Int
    let seed: UInt64
    private let loader: DataLoader
    private(set) var taken = 0
    private var epoch = -1
    private var order: [Int] = []

    init(domain: StyleGANDomain, role: String, batchSize: Int, seed: UInt64) throws {
        do { dataset = try PackedDataset(at: URL(fileURLWithPath: domain.data)) } catch {
            throw TrainingError.data("cannot open the \(role) data \(domain.data): \(describe(error))")
        }
        if let name = domain.className {
            guard let label = dataset.manifest.classNames.firstIndex(of: name) else {
                throw TrainingError.data("the \(role) class '\(name)' is not one of \(domain.data)'s classes \(dataset.manifest.classNames)")
            }
            self.label = label
        } else {
            label = nil
        }
        let members = Self.indices(.train, of: dataset, label: label)
        guard members.count >= batchSize else {
            throw TrainingError.data("the \(role) domain (\(domain.data)\(domain.className.map { " class \($0)" } ?? "")) has \(members.count) training images, fewer than one batch (\(batchSize))")
        }
        self.members = members
        self.batchSize = batchSize
        self.seed = seed
        loader = try DataLoader(dataset: dataset, split: .all, batchSize: batchSize, shuffles: false, prefetch: 0)
    }

    static func indices(_ split: PackedDataset.Split, of dataset: PackedDataset, label: Int?) -> [Int] {
        let all = dataset.indices(split)
        return label.map { l in all.filter { dataset.labels[$0] == l } } ?? all
    }

    /// The domain's images of a split.
    func indices(_ split: PackedDataset.Split) -> [Int] { Self.indices(split, of: dataset, label: label) }

    var batchesPerEpoch: Int { members.count / batchSize }

    /// Where `taken` batches leave the stream, as a position.
    var position: BatchStream.Position { BatchStream.Position(epoch: taken / batchesPerEpoch, batch: taken % batchesPerEpoch) }

    mutating func seek(taken: Int) { self.taken = taken }

    mutating func next(device: Device) throws -> Tensor {
        let e = taken / batchesPerEpoch, b = taken % batchesPerEpoch
        if e != epoch {
            order = members
            var rng = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: e))
            rng.shuffle(&order)
            epoch = e
        }
        taken += 1
        return try ImageTensors.tensor(from: loader.batch(Array(order[(b * batchSize)..<((b + 1) * batchSize)])), device: device).images
    }
}

/// G's two official parameter groups as two Adams (Adam's state is per parameter, so this is the same
/// update): the synthesis network at lr, the mapping network at lr x `mappingLRMultiplier`.
struct StyleGANOptimizers {
    let synthesis: Adam
    let mapping: Adam
    let discriminator: Adam

    init(generator: StyledGenerator, discriminator: StyleGANDiscriminator, options o: StyleGANOptimization) throws {
        func adam(_ p: [Tensor], _ lr: Double) throws -> Adam {
            try Adam(p, config: AdamConfig(learningRate: lr, beta1: o.beta1, beta2: o.beta2, eps: o.adamEps))
        }
        synthesis = try adam(generator.generator.parameters(), o.learningRate)
        mapping = try adam(generator.mappingParameters, o.learningRate * o.mappingLRMultiplier)
        self.discriminator = try adam(discriminator.parameters(), o.learningRate)
    }

    var named: [(name: String, optimizer: Adam)] { [("G", synthesis), ("G_mapping", mapping), ("D", self.discriminator)] }
}

/// One draw of the generator's inputs: z (two with style mixing), the crossover and the per-block noise.
struct StyleGANLatents {
    var z: [Tensor]
    var mixing: StyleMixing?
    var noise: [Tensor]

    /// train.py: with `--mixing` and probability p, two z and one crossover point drawn from 0..<step
    /// (`random.sample(range(step), 1)`); otherwise one z.
    static func draw(batch: Int, codeDim: Int, step: Int, options: StyleGANOptimization, rng: RandomGenerator,
                     device: Device) throws -> StyleGANLatents {
        var mixes = false
        if options.mixing, step > 0 {
            mixes = try Tensor.rand([1], generator: rng).item() < options.mixingProbability
        }
        let z = try (0..<(mixes ? 2 : 1)).map { _ in try Tensor.randn([batch, codeDim], generator: rng, device: device) }
        let mixing: StyleMixing? = mixes ? .crossovers([try Tensor.randint(0, step, [1], generator: rng).itemInt()]) : nil
        let noise = try (0...step).map { i in try Tensor.randn([batch, 1, 4 << i, 4 << i], generator: rng, device: device) }
        return StyleGANLatents(z: z, mixing: mixing, noise: noise)
    }
}

enum StyleGANTrainingSteps {
    /// Each image flipped left-right with probability 1/2 (torchvision's RandomHorizontalFlip).
    static func randomFlip(_ x: Tensor, rng: RandomGenerator) throws -> Tensor {
        let coins = try Tensor.rand([x.size(0)], generator: rng).toArray(of: Float.self)
        let rows = try coins.indices.map { i -> Tensor in
            let row = try x.narrow(dim: 0, start: i, length: 1)
            return coins[i] < 0.5 ? try row.flip([3]) : row
        }
        return try Tensor.cat(rows, dim: 0)
    }

    /// One D step on reals and (detached) fakes, D trainable and G's output already computed. Returns the
    /// loss terms; throws `NonFiniteLoss` before the optimizer applies bad gradients.
    static func discriminatorStep(_ kind: StyleGANLossKind, _ d: StyleGANDiscriminator, optimizer: Adam, real: Tensor,
                                  fake: Tensor, step: Int, rng: RandomGenerator) throws -> [String: Double] {
        try d.freeze(false)
        try optimizer.zeroGrad()
        let eps = kind == .wganGP ? try Tensor.rand([real.size(0), 1, 1, 1], generator: rng, device: real.device) : nil
        let terms = try StyleGANLosses.discriminator(kind, d, real: real, fake: fake, step: step, eps: eps)
        let losses = ["D_real": try terms.real.item(), "D_fake": try terms.fake.item(), "D_penalty": try terms.penalty.item(),
                      "D": try terms.total.item()]
        guard losses.values.allSatisfy(\.isFinite) else { throw NonFiniteLoss(losses: describe(losses)) }
        try terms.total.backward()
        try optimizer.step()
        try optimizer.zeroGrad()
        return losses
    }

    /// rosinality's `accumulate(model1, model2, decay)`: every parameter of `target` becomes
    /// decay * target + (1 - decay) * source (decay 0: a copy).
    static func accumulate(_ target: StyledGenerator, from source: StyledGenerator, decay: Double) throws {
        try withNoGrad {
            for ((_, t), (_, s)) in zip(target.namedParameters(), source.namedParameters()) {
                if decay == 0 { try t.copy_(from: s) } else {
                    try t *= decay
                    try t += s * (1 - decay)
                }
            }
        }
    }

    static func describe(_ losses: [String: Double]) -> String {
        losses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// A copy of `generator` (same configuration and weights), for g_running.
    static func copy(_ generator: StyledGenerator) throws -> StyledGenerator {
        let copy = try StyledGenerator(config: generator.config)
        try accumulate(copy, from: generator, decay: 0)
        return copy
    }
}
