import Foundation
import Torch

/// Supervised training of a classifier from a batch source, and its accuracy. Used on real images
/// (`train-classifier`, the RC classifier) and on translations (the FC metric).
public struct ClassifierTrainer {
    public var iterations: Int
    public var learningRate: Double
    public var momentum: Double = 0.9
    public var weightDecay: Double = 5e-4
    /// Random horizontal flips, each image with probability 1/2.
    public var flips: Bool = true
    public var seed: UInt64

    public init(iterations: Int, learningRate: Double = 0.05, seed: UInt64 = 0) {
        self.iterations = iterations
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Trains `model` with SGD + momentum and a cosine learning-rate decay; `batch(step)` returns
    /// images in [-1, 1] and i64 labels. `progress(step, loss)` is called every few steps.
    public func train(_ model: ResNetClassifier, batch: (Int) throws -> (images: Tensor, labels: Tensor),
                      progress: (Int, Double) -> Void = { _, _ in }) throws {
        guard iterations >= 1 else { throw EvaluationError.invalidArgument("iterations must be positive, got \(iterations)") }
        let rng = try RandomGenerator(seed: seed)
        let optimizer = try SGD(model.trainableParameters(), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        model.train()
        defer { model.eval() }
        for step in 0..<iterations {
            var (images, labels) = try batch(step)
            if flips {
                let mask = try Tensor.rand([images.size(0), 1, 1, 1], generator: rng, device: images.device).lt(0.5)
                images = try Tensor.where(mask, images.flip([3]), images)
            }
            optimizer.learningRate = learningRate * 0.5 * (1 + cos(Double.pi * Double(step) / Double(iterations)))
            try optimizer.zeroGrad()
            let loss = try Functional.crossEntropy(model(images), targets: labels)
            try loss.backward()
            try optimizer.step()
            if step % 25 == 0 || step == iterations - 1 { progress(step, try loss.item()) }
        }
    }

    /// Top-1 accuracy of `model` on images with labels, `batchSize` at a time.
    public static func accuracy(_ model: ResNetClassifier, images: Tensor, labels: Tensor, batchSize: Int = 128) throws -> Double {
        guard images.size(0) == labels.size(0), images.size(0) > 0 else {
            throw EvaluationError.invalidArgument("\(images.size(0)) images for \(labels.size(0)) labels")
        }
        model.eval()
        return try withNoGrad {
            var correct = 0.0
            for (x, y) in zip(try images.split(size: batchSize), try labels.split(size: batchSize)) {
                correct += try model(x).argmax(dim: 1).eq(y).to(dtype: .f64).sum().item()
            }
            return correct / Double(images.size(0))
        }
    }
}
