import Foundation
import Torch

/// The inputs of one micro-batch: real images with their classes, target classes for the translations,
/// and the noise of the D step and of the G step (drawn up front so the random stream is fixed).
public struct MicroBatch {
    public var images: Tensor
    public var classes: [Int]
    public var targets: [Int]
    public var zDiscriminator: Tensor
    public var zGenerator: Tensor

    public init(images: Tensor, classes: [Int], targets: [Int], zDiscriminator: Tensor, zGenerator: Tensor) {
        self.images = images
        self.classes = classes
        self.targets = targets
        self.zDiscriminator = zDiscriminator
        self.zGenerator = zGenerator
    }

    /// Targets uniform over the dataset's `classCount` classes and z ~ N(0, I), all from `rng`.
    public static func sample(images: Tensor, classes: [Int], classCount: Int, dimZ: Int,
                              rng: RandomGenerator) throws -> MicroBatch {
        let n = classes.count
        let targets = try Tensor.randint(0, classCount, [n], generator: rng).toArray(of: Int64.self).map(Int.init)
        let zD = try Tensor.randn([n, dimZ], generator: rng, device: images.device)
        let zG = try Tensor.randn([n, dimZ], generator: rng, device: images.device)
        return MicroBatch(images: images, classes: classes, targets: targets, zDiscriminator: zD, zGenerator: zG)
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

    /// D step: hinge on real (x, y) against detached translations G(z, e_y', A(E(x))) labelled y'.
    @discardableResult
    public func discriminatorStep(_ batches: [MicroBatch], check: Bool = true, apply: Bool = true) throws -> [String: Double] {
        try model.discriminator.freeze(false)
        try discriminatorOptimizer.zeroGrad()
        var real = 0.0, fake = 0.0
        let k = Double(batches.count)
        for mb in batches {
            let n = mb.classes.count
            let translated = try withNoGrad { try model.translate(mb.images, classes: mb.targets, z: mb.zDiscriminator) }
            // One D pass over [fakes; reals], as BigGAN's G_D does: one power iteration per step.
            let logits = try model.discriminator(Tensor.cat([translated, mb.images]),
                                                 rows: Tensor.cat([rows(mb.targets), rows(mb.classes)])).logit
            let (lReal, lFake) = try Losses.discriminatorHinge(real: logits.narrow(dim: 0, start: n, length: n),
                                                               fake: logits.narrow(dim: 0, start: 0, length: n))
            try ((lReal + lFake) / k).backward()
            real += try lReal.item() / k
            fake += try lFake.item() / k
        }
        let losses = ["D_real": real, "D_fake": fake, "D": real + fake]
        if check { try Self.checkFinite(losses) }
        if apply { try discriminatorOptimizer.step() }
        return losses
    }

    /// G/A step: adversarial -mean D(fake, y') plus the feature reconstruction between each translation
    /// and its own input, through the trainable D (whose parameters get no gradient here).
    @discardableResult
    public func generatorStep(_ batches: [MicroBatch], phase: Int, check: Bool = true, apply: Bool = true) throws -> [String: Double] {
        try model.discriminator.freeze(true)
        defer { try? model.discriminator.freeze(false) }
        try model.generator.freeze(!generatorTrains(phase: phase))
        try model.encoder.freeze(!trainsEncoder)
        for (_, opt) in optimizers where opt !== discriminatorOptimizer { try opt.zeroGrad() }
        var adversarial = 0.0, reconstruction = 0.0
        let k = Double(batches.count)
        for mb in batches {
            let n = mb.classes.count
            let translated = try model.translate(mb.images, classes: mb.targets, z: mb.zGenerator)
            // As the official code: D once on [translations; inputs], then each translation's features
            // against its own input's (the intended pairing).
            let (logits, features) = try model.discriminator(Tensor.cat([translated, mb.images]),
                                                             rows: Tensor.cat([rows(mb.targets), rows(mb.classes)]))
            let fakeFeatures = try features.mapValues { try $0.narrow(dim: 0, start: 0, length: n) }
            let realFeatures = try features.mapValues { try $0.narrow(dim: 0, start: n, length: n) }
            let adv = try Losses.generatorHinge(fake: logits.narrow(dim: 0, start: 0, length: n))
            let rec = try Losses.reconstruction(fake: fakeFeatures, real: realFeatures, weights: reconstructionWeights,
                                                distance: config.reconstructionDistance)
            let total = try adv * config.adversarialWeight + rec * config.reconstructionWeight
            try (total / k).backward()
            adversarial += try adv.item() / k
            reconstruction += try rec.item() / k
        }
        let losses = ["G_adv": adversarial, "G_rec": reconstruction,
                      "G": adversarial * config.adversarialWeight + reconstruction * config.reconstructionWeight]
        if check { try Self.checkFinite(losses) }
        if apply {
            if generatorTrains(phase: phase) { try generatorOptimizer.step() }
            try adaptorOptimizer?.step()
            try encoderOptimizer?.step()
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
