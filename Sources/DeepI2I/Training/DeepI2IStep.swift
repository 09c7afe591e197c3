import Foundation
import Torch

/// The inputs of one micro-batch (one D accumulation and one G accumulation of the official
/// `train_fns.train`): the images to translate with their classes; the real images D sees with their
/// own labels (official: an independent draw from a second, separately shuffled loader); and the target
/// classes and noise of the D step and of the G step, each drawn separately as `y_.sample_()` /
/// `z_.sample_()` are before every accumulation.
public struct MicroBatch {
    public var images: Tensor
    public var classes: [Int]
    public var realImages: Tensor
    public var realClasses: [Int]
    public var discriminatorTargets: [Int]
    public var generatorTargets: [Int]
    public var zDiscriminator: Tensor
    public var zGenerator: Tensor

    public init(images: Tensor, classes: [Int], realImages: Tensor, realClasses: [Int], discriminatorTargets: [Int],
                generatorTargets: [Int], zDiscriminator: Tensor, zGenerator: Tensor) {
        self.images = images
        self.classes = classes
        self.realImages = realImages
        self.realClasses = realClasses
        self.discriminatorTargets = discriminatorTargets
        self.generatorTargets = generatorTargets
        self.zDiscriminator = zDiscriminator
        self.zGenerator = zGenerator
    }

    /// D's reals are the inputs themselves and both steps share the target classes (deepi2i before
    /// issue #20; `--d-reals inputs`).
    public init(images: Tensor, classes: [Int], targets: [Int], zDiscriminator: Tensor, zGenerator: Tensor) {
        self.init(images: images, classes: classes, realImages: images, realClasses: classes,
                  discriminatorTargets: targets, generatorTargets: targets,
                  zDiscriminator: zDiscriminator, zGenerator: zGenerator)
    }

    /// Targets uniform over the dataset's `classCount` classes and z ~ N(0, I), all from `rng`, in the
    /// official order: D's targets and noise, then G's. `reals` nil: D sees the inputs as its reals.
    /// Data parallel: the draws are the global micro-batch's, of which `shard` keeps its rows.
    public static func sample(images: Tensor, classes: [Int], reals: (images: Tensor, classes: [Int])? = nil,
                              classCount: Int, dimZ: Int, rng: RandomGenerator, shard: DataShard = .whole) throws -> MicroBatch {
        let n = classes.count * shard.count
        func targets() throws -> [Int] {
            shard.rows(of: try Tensor.randint(0, classCount, [n], generator: rng).toArray(of: Int64.self).map(Int.init))
        }
        let tD = try targets()
        let zD = try shard.rows(of: Tensor.randn([n, dimZ], generator: rng, device: images.device))
        let tG = try targets()
        let zG = try shard.rows(of: Tensor.randn([n, dimZ], generator: rng, device: images.device))
        return MicroBatch(images: images, classes: classes, realImages: reals?.images ?? images,
                          realClasses: reals?.classes ?? classes, discriminatorTargets: tD, generatorTargets: tG,
                          zDiscriminator: zD, zGenerator: zG)
    }
}

/// One DeepI2I optimisation step (D step, then G/A step), with gradient accumulation over micro-batches.
/// Losses are divided by the number of micro-batches, so K micro-batches of B give the gradient of one
/// batch of K*B (exactly so where no layer depends on batch statistics).
public final class DeepI2IStep {
    public let model: DeepI2IModel
    public let config: TrainingConfig
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public let adaptorOptimizer: Adam?
    public let encoderOptimizer: Adam?
    public let reconstructionWeights: [Int: Double]
    public let trainsEncoder: Bool
    /// The unscaled losses of the last micro-batch of the last D and G steps (the official `train()`
    /// returns these rather than averages over the accumulations).
    public private(set) var lastMicroBatchLosses: [String: Double] = [:]
    /// Forward passes under autocast, scaled backward and checked steps (`--precision`); fp32 by default.
    public var precision = MixedPrecision.fp32
    /// Data parallel: this rank's part of each micro-batch (the official reconstruction pairing needs it).
    public var shard = DataShard.whole

    public init(model: DeepI2IModel, config: TrainingConfig, trainsEncoder: Bool) throws {
        self.model = model
        self.config = config
        self.trainsEncoder = trainsEncoder
        func adam(_ m: Module, _ lr: Double) throws -> Adam {
            try TrainingOptimizers.adam(m, learningRate: lr, beta1: config.beta1, beta2: config.beta2, eps: config.adamEps)
        }
        generatorOptimizer = try adam(model.generator, config.generatorLR)
        discriminatorOptimizer = try adam(model.discriminator, config.discriminatorLR)
        adaptorOptimizer = model.adaptor.parameters().isEmpty ? nil : try adam(model.adaptor, config.adaptorLR)
        encoderOptimizer = trainsEncoder ? try adam(model.encoder, config.encoderLR) : nil
        // Reconstruction over D's hierarchical features (official weights), whatever levels are fused.
        reconstructionWeights = Losses.officialReconstructionWeights(levels: model.discriminator.featureWidths)
    }

    /// Optimizers by name, as saved in checkpoints.
    public var optimizers: [(name: String, optimizer: Adam)] {
        var out: [(String, Adam)] = [("G", generatorOptimizer), ("D", discriminatorOptimizer)]
        if let adaptorOptimizer { out.append(("A", adaptorOptimizer)) }
        if let encoderOptimizer { out.append(("E", encoderOptimizer)) }
        return out
    }

    /// Phase 1: G frozen; phase 2: G trains. E trains only when `trainsEncoder`.
    public func generatorTrains(phase: Int) -> Bool { phase >= 2 }

    private func rows(_ classes: [Int]) throws -> Tensor {
        try Tensor(classes.map { Int64(model.config.embeddingRow(forClass: $0)) }, device: model.device)
    }

    /// D step: hinge on the reals (x_real, y_real) against detached translations G(z, e_y', A(E(x)))
    /// of the inputs, labelled y'.
    @discardableResult
    public func discriminatorStep(_ batches: [MicroBatch], check: Bool = true, apply: Bool = true) throws -> [String: Double] {
        try model.discriminator.freeze(false)
        try discriminatorOptimizer.zeroGrad()
        var real = 0.0, fake = 0.0
        let k = Double(batches.count)
        for (index, mb) in batches.enumerated() {
            let n = mb.classes.count, nReal = mb.realClasses.count
            let (lReal, lFake) = try precision.autocast { () throws -> (Tensor, Tensor) in
                let translated = try withNoGrad {
                    try model.translate(mb.images, classes: mb.discriminatorTargets, z: mb.zDiscriminator)
                }
                // One D pass over [fakes; reals], as BigGAN's G_D does: one power iteration per step.
                let logits = try model.discriminator(Tensor.cat([translated, mb.realImages]),
                                                     rows: Tensor.cat([rows(mb.discriminatorTargets), rows(mb.realClasses)])).logit
                return try Losses.discriminatorHinge(real: logits.narrow(dim: 0, start: n, length: nReal),
                                                     fake: logits.narrow(dim: 0, start: 0, length: n))
            }
            try precision.backward((lReal + lFake) / k, communicates: index == batches.count - 1)
            let (r, f) = (try lReal.item(), try lFake.item())
            lastMicroBatchLosses["D_real"] = r
            lastMicroBatchLosses["D_fake"] = f
            real += r / k
            fake += f / k
        }
        let losses = ["D_real": real, "D_fake": fake, "D": real + fake]
        if check { try Self.checkFinite(losses) }
        if apply { try precision.step(discriminatorOptimizer) }
        return losses
    }

    /// G/A step: adversarial -mean D(fake, y') plus the feature reconstruction between each translation
    /// and its own input, through the trainable D (whose parameters get no gradient here). With
    /// `officialReconPairing`, the official code's reconstruction pairing (see `Losses.officialReconstruction`).
    @discardableResult
    public func generatorStep(_ batches: [MicroBatch], phase: Int, check: Bool = true, apply: Bool = true) throws -> [String: Double] {
        try model.discriminator.freeze(true)
        defer { try? model.discriminator.freeze(false) }
        try model.generator.freeze(!generatorTrains(phase: phase))
        try model.encoder.freeze(!trainsEncoder)
        for (_, opt) in optimizers where opt !== discriminatorOptimizer { try opt.zeroGrad() }
        var adversarial = 0.0, reconstruction = 0.0
        let k = Double(batches.count)
        for (index, mb) in batches.enumerated() {
            let n = mb.classes.count
            let (logits, features) = try precision.autocast { () throws -> (Tensor, [Int: Tensor]) in
                let translated = try model.translate(mb.images, classes: mb.generatorTargets, z: mb.zGenerator)
                // As the official code: D once on [translations; inputs].
                return try model.discriminator(Tensor.cat([translated, mb.images]),
                                               rows: Tensor.cat([rows(mb.generatorTargets), rows(mb.classes)]))
            }
            let adv = try Losses.generatorHinge(fake: logits.narrow(dim: 0, start: 0, length: n))
            let rec: Tensor
            if config.officialReconPairing == true {
                // Rows 0 and 1 of the whole micro-batch are rank 0's first two rows. Gradients and logged
                // losses are averaged over the ranks, so rank 0 carries the term times the world size and
                // the others none: N ranks train as one process with the whole batch (rank 0 holds at least
                // two rows: `DeepI2ITraining.distribute` checks it).
                let term = try Losses.officialReconstruction(features: features, weights: reconstructionWeights,
                                                             distance: config.reconstructionDistance)
                rec = try term * (shard.rank == 0 ? Double(shard.count) : 0)
            } else {
                // Each translation's features against its own input's (the intended pairing).
                let fakeFeatures = try features.mapValues { try $0.narrow(dim: 0, start: 0, length: n) }
                let realFeatures = try features.mapValues { try $0.narrow(dim: 0, start: n, length: n) }
                rec = try Losses.reconstruction(fake: fakeFeatures, real: realFeatures, weights: reconstructionWeights,
                                                distance: config.reconstructionDistance)
            }
            let total = try adv * config.adversarialWeight + rec * config.reconstructionWeight
            try precision.backward(total / k, communicates: index == batches.count - 1)
            let (a, r) = (try adv.item(), try rec.item())
            lastMicroBatchLosses["G_adv"] = a
            lastMicroBatchLosses["G_rec"] = r
            lastMicroBatchLosses["G"] = try total.item()
            adversarial += a / k
            reconstruction += r / k
        }
        let losses = ["G_adv": adversarial, "G_rec": reconstruction,
                      "G": adversarial * config.adversarialWeight + reconstruction * config.reconstructionWeight]
        if check { try Self.checkFinite(losses) }
        if apply {
            if generatorTrains(phase: phase) { try precision.step(generatorOptimizer) }
            if let adaptorOptimizer { try precision.step(adaptorOptimizer) }
            if let encoderOptimizer { try precision.step(encoderOptimizer) }
        }
        return losses
    }

    static func checkFinite(_ losses: [String: Double]) throws {
        if losses.values.contains(where: { !$0.isFinite }) {
            let text = losses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            throw NonFiniteLoss(losses: text)
        }
    }
}

/// Raised by a step before any optimizer applies the bad gradients; the driver adds the iteration.
public struct NonFiniteLoss: Error {
    public var losses: String
    public init(losses: String) { self.losses = losses }
}
