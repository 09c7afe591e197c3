import Foundation
import Torch

/// Fréchet Inception Distance between two feature sets (Heusel et al. 2017), in Float64.
///
/// FID = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
/// The trace of the matrix square root is taken as sum(sqrt(eig(sqrt(S1) S2 sqrt(S1)))): that matrix
/// is symmetric positive semi-definite and similar to S1 S2, so a symmetric eigensolver suffices and,
/// unlike scipy's general `sqrtm` of the non-symmetric product, it stays real and finite when the
/// covariances are singular (fewer samples than feature dimensions); tiny negative eigenvalues from
/// rounding are clamped to zero.
public enum FID {
    /// Mean ([D]) and unbiased covariance ([D, D]) of `features` ([N, D]), as np.cov(rowvar=False).
    public static func statistics(_ features: Tensor) throws -> (mean: Tensor, covariance: Tensor) {
        let shape = features.shape
        guard shape.count == 2 else { throw EvaluationError.badFeatures("expected [N, D] features, got \(shape)") }
        guard shape[0] >= 2 else { throw EvaluationError.badFeatures("FID needs at least 2 samples per set, got \(shape[0])") }
        let x = try features.detached().to(.cpu, dtype: .f64)
        let mean = try x.mean(dims: [0])
        let centred = try x - mean
        let covariance = try centred.t().matmul(centred) / Double(shape[0] - 1)
        return (mean, covariance)
    }

    /// FID between two feature sets ([N1, D] and [N2, D]).
    public static func distance(_ a: Tensor, _ b: Tensor) throws -> Double {
        guard a.rank == 2, b.rank == 2, a.size(1) == b.size(1) else {
            throw EvaluationError.badFeatures("feature widths differ: \(a.shape) vs \(b.shape)")
        }
        let (mu1, s1) = try statistics(a)
        let (mu2, s2) = try statistics(b)
        return try frechetDistance(mean1: mu1, covariance1: s1, mean2: mu2, covariance2: s2)
    }

    /// The Fréchet distance between N(mu1, S1) and N(mu2, S2).
    public static func frechetDistance(mean1: Tensor, covariance1: Tensor, mean2: Tensor, covariance2: Tensor) throws -> Double {
        let mu1 = try mean1.to(.cpu, dtype: .f64), mu2 = try mean2.to(.cpu, dtype: .f64)
        let s1 = try symmetrized(covariance1.to(.cpu, dtype: .f64))
        let s2 = try symmetrized(covariance2.to(.cpu, dtype: .f64))
        let d = mu1.size(0)
        guard s1.shape == [d, d], s2.shape == [d, d], mu2.shape == [d] else {
            throw EvaluationError.badFeatures("statistics shapes disagree: mean \(mu1.shape)/\(mu2.shape), covariance \(s1.shape)/\(s2.shape)")
        }
        let diff = try mu1 - mu2
        let meanTerm = try diff.square().sum().item()
        let root1 = try psdSquareRoot(s1)
        let middle = try symmetrized(root1.matmul(s2).matmul(root1))
        let eigenvalues = try middle.symmetricEigen().values.clamp(min: 0)
        let traceSqrt = try eigenvalues.sqrt().sum().item()
        let value = try meanTerm + trace(s1) + trace(s2) - 2 * traceSqrt
        guard value.isFinite else { throw EvaluationError.badFeatures("FID is not finite (features contain NaN or Inf?)") }
        return value
    }

    /// sqrt of a symmetric positive semi-definite matrix: V diag(sqrt(max(w, 0))) V^T.
    static func psdSquareRoot(_ m: Tensor) throws -> Tensor {
        let (values, vectors) = try m.symmetricEigen()
        let roots = try values.clamp(min: 0).sqrt()
        return try (vectors * roots.unsqueeze(dim: 0)).matmul(vectors.t())
    }

    static func symmetrized(_ m: Tensor) throws -> Tensor { try (m + m.t()) * 0.5 }

    static func trace(_ m: Tensor) throws -> Double {
        let n = m.size(0)
        return try m.reshape([n * n]).slice(dim: 0, start: 0, end: n * n, step: n + 1).sum().item()
    }
}
