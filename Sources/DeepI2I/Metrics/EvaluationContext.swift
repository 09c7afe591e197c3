import Datasets
import Foundation
import Torch
import Support

/// The model side of an evaluation, whatever its family: translates images x into dataset class
/// `target` with noise z [N, zDim].
public struct EvaluatedTranslator {
    public var resolution: Int
    public var zDim: Int
    public var device: Device
    public var translate: (_ x: Tensor, _ target: Int, _ z: Tensor) throws -> Tensor

    public init(resolution: Int, zDim: Int, device: Device, translate: @escaping (Tensor, Int, Tensor) throws -> Tensor) {
        self.resolution = resolution
        self.zDim = zDim
        self.device = device
        self.translate = translate
    }

    /// A BigGAN DeepI2I model (eval mode), translating into any of its classes.
    public init(_ model: DeepI2IModel) {
        self.init(resolution: model.config.resolution, zDim: model.config.dimZ, device: model.device) { x, target, z in
            model.eval()
            return try model.translate(x, classes: Array(repeating: target, count: x.size(0)), z: z)
        }
    }
}

/// What the metrics share: the model, the data, the feature extractor and classifier, and caches of
/// translations, real images and features so that mFID and mKID extract features once.
public final class EvaluationContext {
    public let translator: EvaluatedTranslator
    /// The dataset classes translated into, in the order of `translations()` and `realImages()`: every
    /// class for a BigGAN model, the one target domain for a StyleGAN model.
    public let targets: [Int]
    /// The dataset classes whose test images are translated (a StyleGAN model's input domain), or nil:
    /// every class but the target.
    public let sourceClasses: [Int]?
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

    public convenience init(model: DeepI2IModel, dataset: PackedDataset, extractor: FeatureExtractor?,
                classifier: (model: ResNetClassifier, config: ClassifierDirectory.Config)? = nil,
                options: EvaluationOptions, progress: @escaping (String) -> Void = { _ in }) throws {
        // The model's dataset classes (its names; class k uses embedding row classRows[k]), not its embedding
        // rows: a transferred or --scratch model keeps 1000 rows for 10 classes.
        let modelClasses = model.config.classNames.isEmpty ? model.config.classCount : model.config.classNames.count
        guard dataset.classCount == modelClasses else {
            throw EvaluationError.invalidArgument("the dataset has \(dataset.classCount) classes, the model \(modelClasses)")
        }
        try self.init(translator: EvaluatedTranslator(model), targets: Array(0..<dataset.classCount), dataset: dataset,
                      extractor: extractor, classifier: classifier, options: options, progress: progress)
    }

    /// A model that translates into `targets` (dataset class indices) only, e.g. a StyleGAN model's one domain;
    /// `sources` (dataset class indices) restricts the translated test images to those classes (its input domain).
    public init(translator: EvaluatedTranslator, targets: [Int], sources: [Int]? = nil, dataset: PackedDataset,
                extractor: FeatureExtractor?, classifier: (model: ResNetClassifier, config: ClassifierDirectory.Config)? = nil,
                options: EvaluationOptions, progress: @escaping (String) -> Void = { _ in }) throws {
        guard !targets.isEmpty, targets.allSatisfy({ (0..<dataset.classCount).contains($0) }) else {
            throw EvaluationError.invalidArgument("target classes \(targets) are not classes of the dataset (0..<\(dataset.classCount))")
        }
        if let sources {
            guard !sources.isEmpty, sources.allSatisfy({ (0..<dataset.classCount).contains($0) }) else {
                throw EvaluationError.invalidArgument("input classes \(sources) are not classes of the dataset (0..<\(dataset.classCount))")
            }
            let names = sources.map { dataset.manifest.classNames[$0] }.joined(separator: ", ")
            guard dataset.indices(.test).contains(where: { sources.contains(dataset.labels[$0]) }) else {
                throw EvaluationError.invalidArgument("the input classes (\(names)) have no test images in \(dataset.url.path)")
            }
        }
        guard dataset.resolution == translator.resolution else {
            throw EvaluationError.invalidArgument("the dataset is \(dataset.resolution) px, the model translates \(translator.resolution) px images")
        }
        guard options.perClass >= 2 else { throw EvaluationError.invalidArgument("--per-class must be at least 2, got \(options.perClass)") }
        guard options.batchSize >= 1 else { throw EvaluationError.invalidArgument("batch size must be positive") }
        if let classifier, classifier.config.classNames.count != dataset.classCount {
            throw EvaluationError.classifier("the classifier knows \(classifier.config.classNames.count) classes, the dataset has \(dataset.classCount)")
        }
        self.translator = translator
        self.targets = targets
        self.sourceClasses = sources
        self.dataset = dataset
        self.extractor = extractor
        self.classifier = classifier
        self.options = options
        self.progress = progress
    }

    /// Names of the target classes, in the order of `targets`.
    public var classNames: [String] { targets.map { dataset.manifest.classNames[$0] } }
    public var device: Device { translator.device }

    /// Per target class: `perClass` translations [N, 3, R, R] of test images from the other classes, or from
    /// `sourceClasses` when given (cycled in a seeded order), each with its own seeded z. Deterministic for a seed and
    /// independent of the batch size.
    public func translations() throws -> [Tensor] {
        if let translationCache { return translationCache }
        let testIndices = dataset.indices(.test)
        guard !testIndices.isEmpty else { throw EvaluationError.invalidArgument("\(dataset.url.path) has no test images") }
        var out: [Tensor] = []
        var allSources: [[Int]] = []
        for (position, target) in targets.enumerated() {
            var sources = testIndices.filter { sourceClasses?.contains(dataset.labels[$0]) ?? (dataset.labels[$0] != target) }
            if sources.isEmpty { sources = testIndices }
            var rng = SplitMix64(seed: options.seed, stream: UInt64(target))
            rng.shuffle(&sources)
            let chosen = (0..<options.perClass).map { sources[$0 % sources.count] }
            allSources.append(chosen)
            let zGenerator = try RandomGenerator(seed: options.seed &* 1_000_003 &+ UInt64(target))
            let z = try Tensor.randn([options.perClass, translator.zDim], generator: zGenerator).to(device)
            var parts: [Tensor] = []
            for start in stride(from: 0, to: chosen.count, by: options.batchSize) {
                let end = min(chosen.count, start + options.batchSize)
                let x = try dataset.tensor(at: Array(chosen[start..<end]), device: device)
                let zb = try z.narrow(dim: 0, start: start, length: end - start)
                parts.append(try withNoGrad { try translator.translate(x, target, zb).detached() })
            }
            out.append(try Tensor.cat(parts, dim: 0).clamp(min: -1, max: 1))
            progress("translated \(options.perClass) images into '\(dataset.manifest.classNames[target])' (\(position + 1)/\(targets.count))")
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

    /// Real test images per target class.
    public func realImages() throws -> [Tensor] {
        if let realCache { return realCache }
        let byClass = dataset.indicesByClass(.test)
        realCache = try targets.map { label in
            let indices = byClass[label]
            guard indices.count >= 2 else {
                throw EvaluationError.invalidArgument("class '\(dataset.manifest.classNames[label])' has \(indices.count) test image(s); FID/KID need at least 2")
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
