import Foundation
import Torch

/// One metric's outcome: a headline value, optional per-class values and named extras.
public struct MetricResult: Codable, Equatable, Sendable {
    public var name: String
    public var value: Double
    public var perClass: [Double]?
    public var extras: [String: Double]

    public init(name: String, value: Double, perClass: [Double]? = nil, extras: [String: Double] = [:]) {
        self.name = name
        self.value = value
        self.perClass = perClass
        self.extras = extras
    }
}

/// A named metric computed from an evaluation context.
public struct MetricDefinition {
    public var name: String
    public var summary: String
    /// Lower is better (FID, KID) or higher (accuracies); for reports.
    public var lowerIsBetter: Bool
    public var needsFeatures: Bool
    public var needsClassifier: Bool
    public var compute: (EvaluationContext) throws -> MetricResult
}

/// The metrics by name, in the spirit of StyleGAN's metric_main: training and the CLI look them up
/// here, so a new metric is one entry.
public enum MetricRegistry {
    public static let all: [MetricDefinition] = [mFID, mKID, rc, fc, maskIoU]
    public static var names: [String] { all.map(\.name) }

    public static func definition(named name: String) throws -> MetricDefinition {
        guard let found = all.first(where: { $0.name == name.lowercased() }) else {
            throw EvaluationError.unknownMetric(name, known: names)
        }
        return found
    }

    /// mFID: per target class, FID(translations into c, real test images of c); then the mean.
    static let mFID = MetricDefinition(
        name: "mfid", summary: "mean over target classes of FID(translations, real test images)",
        lowerIsBetter: true, needsFeatures: true, needsClassifier: false
    ) { context in
        let fake = try context.fakeFeatures(), real = try context.realFeatures()
        let values = try zip(fake, real).map { try FID.distance($0, $1) }
        return MetricResult(name: "mFID", value: values.reduce(0, +) / Double(values.count), perClass: values)
    }

    /// mKID: the same with KID (torch-fidelity's estimator); the extras hold the mean subset std.
    static let mKID = MetricDefinition(
        name: "mkid", summary: "mean over target classes of KID(translations, real test images)",
        lowerIsBetter: true, needsFeatures: true, needsClassifier: false
    ) { context in
        let fake = try context.fakeFeatures(), real = try context.realFeatures()
        var values: [Double] = [], stds: [Double] = [], sizes: [Double] = []
        for (label, (f, r)) in zip(fake, real).enumerated() {
            let kid = try KID.compute(f, r, subsets: context.options.kidSubsets, subsetSize: context.options.kidSubsetSize,
                                      seed: context.options.seed &+ UInt64(label))
            values.append(kid.mean); stds.append(kid.std); sizes.append(Double(kid.subsetSize))
        }
        let n = Double(values.count)
        return MetricResult(name: "mKID", value: values.reduce(0, +) / n, perClass: values,
                            extras: ["mean_subset_std": stds.reduce(0, +) / n, "min_subset_size": sizes.min() ?? 0])
    }

    /// RC: accuracy of the real-data classifier on the translations, labelled with their target class.
    static let rc = MetricDefinition(
        name: "rc", summary: "accuracy on translations of a classifier trained on real images",
        lowerIsBetter: false, needsFeatures: false, needsClassifier: true
    ) { context in
        guard let (classifier, config) = context.classifier else {
            throw EvaluationError.classifier("RC needs a classifier trained on real images (--classifier DIR)")
        }
        var perClass: [Double] = []
        for (position, images) in try context.translations().enumerated() {
            let label = context.targets[position]
            let resized = try resizedBilinear(images, to: config.resolution)
            let labels = try Tensor([Int64](repeating: Int64(label), count: images.size(0)), device: context.device)
            perClass.append(try ClassifierTrainer.accuracy(classifier, images: resized, labels: labels, batchSize: context.options.batchSize))
        }
        return MetricResult(name: "RC", value: perClass.reduce(0, +) / Double(perClass.count), perClass: perClass)
    }

    /// FC: a fresh classifier trained on the translations (labels = target classes) for a fixed,
    /// seeded schedule; its accuracy on the real test images.
    static let fc = MetricDefinition(
        name: "fc", summary: "accuracy on real test images of a classifier trained on the translations",
        lowerIsBetter: false, needsFeatures: false, needsClassifier: false
    ) { context in
        let options = context.options
        guard context.targets.count >= 2 else {
            throw EvaluationError.invalidArgument("FC trains a classifier on translations into at least two target classes; this model has \(context.targets.count)")
        }
        let translations = try context.translations()
        let images = try Tensor.cat(translations, dim: 0)
        let labels = try Tensor(translations.enumerated().flatMap { label, t in [Int64](repeating: Int64(label), count: t.size(0)) },
                                device: context.device)
        let model = try ResNetClassifier(arch: options.fcArch, classCount: translations.count,
                                         generator: try RandomGenerator(seed: options.seed &+ 17))
        try model.to(context.device)
        let order = try RandomGenerator(seed: options.seed &+ 29)
        var trainer = ClassifierTrainer(iterations: options.fcIterations, learningRate: options.fcLearningRate, seed: options.seed &+ 31)
        trainer.flips = true
        let batch = min(options.fcBatchSize, images.size(0))
        context.progress("FC: training \(options.fcArch.rawValue) on \(images.size(0)) translations for \(options.fcIterations) steps")
        try trainer.train(model, batch: { _ in
            let index = try Tensor.randperm(images.size(0), generator: order).narrow(dim: 0, start: 0, length: batch).to(context.device)
            return (try images.indexSelect(dim: 0, index: index), try labels.indexSelect(dim: 0, index: index))
        }, progress: { step, loss in context.progress("FC step \(step + 1)/\(options.fcIterations) loss \(String(format: "%.4f", loss))") })
        var perClass: [Double] = []
        var correct = 0.0, total = 0.0
        for (label, real) in try context.realImages().enumerated() {
            let y = try Tensor([Int64](repeating: Int64(label), count: real.size(0)), device: context.device)
            let accuracy = try ClassifierTrainer.accuracy(model, images: real, labels: y, batchSize: options.batchSize)
            perClass.append(accuracy)
            correct += accuracy * Double(real.size(0)); total += Double(real.size(0))
        }
        return MetricResult(name: "FC", value: correct / total, perClass: perClass)
    }

    /// Mask IoU: how much a translation keeps its input's layout, for silhouette data (foreground =
    /// channel mean above mid-grey). Per target class, the mean IoU of input and translation masks; the
    /// extra `chance` pairs the same inputs with real test images of the target class instead, the
    /// value a translator that ignores its input's pose would get.
    static let maskIoU = MetricDefinition(
        name: "mask-iou", summary: "foreground IoU of input and translation (pose kept; silhouette data)",
        lowerIsBetter: false, needsFeatures: false, needsClassifier: false
    ) { context in
        let translations = try context.translations(), sources = try context.translationSources()
        let real = try context.realImages()
        var perClass: [Double] = [], chance: [Double] = []
        for (target, fakes) in translations.enumerated() {
            let inputs = try context.dataset.tensor(at: sources[target], device: context.device)
            let n = inputs.size(0), r = real[target].size(0)
            let cycled = try real[target].indexSelect(dim: 0, index: Tensor((0..<n).map { Int64($0 % r) }, device: context.device))
            perClass.append(try maskIoU(inputs, fakes))
            chance.append(try maskIoU(inputs, cycled))
        }
        let k = Double(perClass.count)
        return MetricResult(name: "mask-IoU", value: perClass.reduce(0, +) / k, perClass: perClass,
                            extras: ["chance": chance.reduce(0, +) / k])
    }

    /// Mean over pairs of |A and B| / |A or B| for images in [-1, 1] of shape [N, C, H, W].
    public static func maskIoU(_ a: Tensor, _ b: Tensor) throws -> Double {
        let ma = try a.mean(dims: [1]).gt(0).to(dtype: .f32), mb = try b.mean(dims: [1]).gt(0).to(dtype: .f32)
        let intersection = try (ma * mb).sum(dims: [1, 2])
        let union = try (ma + mb - ma * mb).sum(dims: [1, 2])
        // Two empty masks agree perfectly.
        let iou = try Tensor.where(union.gt(0), intersection / union.clamp(min: 1),
                                   Tensor.ones(union.shape, device: union.device))
        return try iou.mean().item()
    }
}
