import Datasets
import Foundation
import Torch
import Support

/// What the metrics share: the model, the data, the feature extractor and classifier, and caches of
/// translations, real images and features so that mFID and mKID extract features once.
public final class EvaluationContext {
    public let model: DeepI2IModel
    public let dataset: PackedDataset
    public let extractor: FeatureExtractor?
    public let classifier: (model: ResNetClassifier, config: ClassifierDirectory.Config)?
    public let options: EvaluationOptions
    public let progress: (String) -> Void

    private var translationCache: [Tensor]?
    private var sourceCache: [[Int]]?
    private var realCache: [Tensor]?
    private var fakeFeatureCache: [Tensor]?
    private var realFeatureCache: [Tensor]?

    public init(model: DeepI2IModel, dataset: PackedDataset, extractor: FeatureExtractor?,
                classifier: (model: ResNetClassifier, config: ClassifierDirectory.Config)? = nil,
                options: EvaluationOptions, progress: @escaping (String) -> Void = { _ in }) throws {
        // The model's dataset classes (its names; class k uses embedding row classRows[k]), not its embedding
        // rows: a transferred or --scratch model keeps 1000 rows for 10 classes.
        let modelClasses = model.config.classNames.isEmpty ? model.config.classCount : model.config.classNames.count
        guard dataset.classCount == modelClasses else {
            throw EvaluationError.invalidArgument("the dataset has \(dataset.classCount) classes, the model \(modelClasses)")
        }
        guard dataset.resolution == model.config.resolution else {
            throw EvaluationError.invalidArgument("the dataset is \(dataset.resolution) px, the model translates \(model.config.resolution) px images")
        }
        guard options.perClass >= 2 else { throw EvaluationError.invalidArgument("--per-class must be at least 2, got \(options.perClass)") }
        guard options.batchSize >= 1 else { throw EvaluationError.invalidArgument("batch size must be positive") }
        if let classifier, classifier.config.classNames.count != dataset.classCount {
            throw EvaluationError.classifier("the classifier knows \(classifier.config.classNames.count) classes, the dataset has \(dataset.classCount)")
        }
        self.model = model
        self.dataset = dataset
        self.extractor = extractor
        self.classifier = classifier
        self.options = options
        self.progress = progress
    }

    public var classNames: [String] { dataset.manifest.classNames }
    public var device: Device { model.device }

    /// Per target class: `perClass` translations [N, 3, R, R] of test images from the other classes
    /// (cycled in a seeded order), each with its own seeded z. Deterministic for a seed and
    /// independent of the batch size.
    public func translations() throws -> [Tensor] {
        if let translationCache { return translationCache }
        let testIndices = dataset.indices(.test)
        guard !testIndices.isEmpty else { throw EvaluationError.invalidArgument("\(dataset.url.path) has no test images") }
        model.eval()
        var out: [Tensor] = []
        var allSources: [[Int]] = []
        for target in 0..<dataset.classCount {
            var sources = testIndices.filter { dataset.labels[$0] != target }
            if sources.isEmpty { sources = testIndices }
            var rng = SplitMix64(seed: options.seed, stream: UInt64(target))
            rng.shuffle(&sources)
            let chosen = (0..<options.perClass).map { sources[$0 % sources.count] }
            allSources.append(chosen)
            let zGenerator = try RandomGenerator(seed: options.seed &* 1_000_003 &+ UInt64(target))
            let z = try Tensor.randn([options.perClass, model.config.dimZ], generator: zGenerator).to(device)
            var parts: [Tensor] = []
            for start in stride(from: 0, to: chosen.count, by: options.batchSize) {
                let end = min(chosen.count, start + options.batchSize)
                let x = try dataset.tensor(at: Array(chosen[start..<end]), device: device)
                let zb = try z.narrow(dim: 0, start: start, length: end - start)
                parts.append(try withNoGrad { try model.translate(x, classes: Array(repeating: target, count: end - start), z: zb).detached() })
            }
            out.append(try Tensor.cat(parts, dim: 0).clamp(min: -1, max: 1))
            progress("translated \(options.perClass) images into '\(classNames[target])' (\(target + 1)/\(dataset.classCount))")
        }
        translationCache = out
        sourceCache = allSources
        return out
    }

    /// Per target class, the dataset indices of the test images that `translations()` translated, in order.
    public func translationSources() throws -> [[Int]] {
        if let sourceCache { return sourceCache }
        _ = try translations()
        return sourceCache ?? []
    }

    /// Real test images per class.
    public func realImages() throws -> [Tensor] {
        if let realCache { return realCache }
        let byClass = dataset.indicesByClass(.test)
        realCache = try byClass.enumerated().map { label, indices in
            guard indices.count >= 2 else {
                throw EvaluationError.invalidArgument("class '\(classNames[label])' has \(indices.count) test image(s); FID/KID need at least 2")
            }
            return try dataset.tensor(at: indices, device: device)
        }
        return realCache ?? []
    }

    func requireExtractor() throws -> FeatureExtractor {
        guard let extractor else { throw EvaluationError.invalidArgument("this metric needs a feature extractor") }
        return extractor
    }

    /// Features of the translations per target class.
    public func fakeFeatures() throws -> [Tensor] {
        if let fakeFeatureCache { return fakeFeatureCache }
        let extractor = try requireExtractor()
        let images = try translations()
        progress("extracting \(extractor.name) features of \(images.count * options.perClass) translations")
        fakeFeatureCache = try images.map { try extractor.features(of: $0, batchSize: options.batchSize) }
        return fakeFeatureCache ?? []
    }

    /// Features of the real test images per class.
    public func realFeatures() throws -> [Tensor] {
        if let realFeatureCache { return realFeatureCache }
        let extractor = try requireExtractor()
        let images = try realImages()
        progress("extracting \(extractor.name) features of \(images.reduce(0) { $0 + $1.size(0) }) real test images")
        realFeatureCache = try images.map { try extractor.features(of: $0, batchSize: options.batchSize) }
        return realFeatureCache ?? []
    }
}
