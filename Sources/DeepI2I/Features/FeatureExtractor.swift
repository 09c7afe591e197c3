import Foundation
import Torch

/// Maps images to feature vectors for FID/KID. Inputs are model-space images: [N, 3, H, W] floats in
/// [-1, 1] at any resolution; each extractor resizes and normalises as its weights expect.
public protocol FeatureExtractor: AnyObject {
    /// Names the network and its weights in reports (a metric is only comparable under the same one).
    var name: String { get }
    var dimension: Int { get }
    /// [N, dimension] float32 features of one batch.
    func features(_ images: Tensor) throws -> Tensor
}

extension FeatureExtractor {
    /// Features of any number of images, `batchSize` at a time, without recording gradients.
    public func features(of images: Tensor, batchSize: Int) throws -> Tensor {
        guard batchSize > 0 else { throw EvaluationError.invalidArgument("batch size must be positive, got \(batchSize)") }
        guard images.rank == 4, images.size(1) == 3 else {
            throw EvaluationError.badFeatures("expected [N, 3, H, W] images, got \(images.shape)")
        }
        return try withNoGrad {
            let parts = try images.split(size: batchSize, dim: 0).map { try features($0).detached() }
            return try Tensor.cat(parts, dim: 0)
        }
    }
}

/// The selectable feature extractors.
public enum FeatureKind: String, CaseIterable, Sendable, Codable {
    case inception
    case efficientnetLite0 = "efficientnet-lite0"
    case classifier
}

/// Resizes [-1, 1] images to `size` x `size` with bilinear interpolation (align_corners=False, no
/// antialiasing, as F.interpolate does), skipping the resize when the size already matches.
func resizedBilinear(_ images: Tensor, to size: Int) throws -> Tensor {
    if images.size(2) == size && images.size(3) == size { return images }
    return try Functional.upsampleBilinear(images, size: (size, size), alignCorners: false)
}
