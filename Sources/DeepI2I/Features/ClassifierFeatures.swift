import Foundation
import Torch

/// The project's own domain classifier as a feature extractor: its penultimate (pooled) features.
/// Images are resized bilinearly to the classifier's training resolution first.
public final class ClassifierFeatures: FeatureExtractor {
    public let classifier: ResNetClassifier
    public let resolution: Int
    public let source: String

    public init(classifier: ResNetClassifier, resolution: Int, source: String) {
        self.classifier = classifier
        self.resolution = resolution
        self.source = source
        classifier.eval()
    }

    public var name: String { "classifier \(classifier.arch.rawValue) (\(source); \(resolution) px; penultimate \(dimension)-d)" }
    public var dimension: Int { classifier.arch.featureDimension }

    public func features(_ images: Tensor) throws -> Tensor {
        try classifier.features(resizedBilinear(images, to: resolution))
    }
}
