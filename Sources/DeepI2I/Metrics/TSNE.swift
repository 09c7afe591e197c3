import Foundation
import Torch

/// Exact t-SNE (van der Maaten & Hinton 2008) on libtorch tensors, for the paper's Appendix H: PCA of the
/// inputs to `pcaDimensions`, Gaussian affinities calibrated to `perplexity` by bisection (all rows at
/// once), then gradient descent on KL(P || Q) with a Student-t Q, early exaggeration, momentum and the
/// original implementation's adaptive gains. O(N^2) memory and time per iteration: meant for a few
/// thousand points. Deterministic for a seed (at a fixed thread count).
public struct TSNE: Codable, Equatable, Sendable {
    public var perplexity = 30.0
    public var iterations = 1000
    public var learningRate = 200.0
    public var earlyExaggeration = 12.0
    public var exaggerationIterations = 250
    /// PCA to this many dimensions first (as the paper and the reference implementation); 0: none.
    public var pcaDimensions = 50
    public var seed: UInt64 = 0

    public init() {}

    public struct Result {
        /// [N, 2] (f64).
        public var embedding: Tensor
        /// KL(P || Q) at the end.
        public var divergence: Double
    }

    public func validate(points: Int) throws {
        func fail(_ m: String) -> EvaluationError { .invalidArgument("t-SNE: \(m)") }
        guard points >= 4 else { throw fail("needs at least 4 points, got \(points)") }
        guard perplexity > 1, perplexity < Double(points - 1) else {
            throw fail("perplexity must be in (1, \(points - 1)) for \(points) points, got \(perplexity)")
        }
        guard iterations >= 1, exaggerationIterations >= 0, learningRate > 0, earlyExaggeration >= 1, pcaDimensions >= 0 else {
            throw fail("iterations >= 1, learning rate > 0, exaggeration >= 1 and PCA dimensions >= 0 are required")
        }
    }

    /// Embeds the rows of `x` ([N, ...], flattened to [N, D]) in 2-D.
    public func embed(_ x: Tensor, progress: (Int, Double) -> Void = { _, _ in }) throws -> Result {
        let n = x.size(0)
        try validate(points: n)
        return try withNoGrad {
            var data = try x.detached().to(.cpu, dtype: .f64).reshape([n, -1])
            guard try data.isNaN().sum().item() == 0, try data.isInf().sum().item() == 0 else {
                throw EvaluationError.invalidArgument("t-SNE: the points contain NaN or infinity")
            }
            if pcaDimensions > 0, data.size(1) > pcaDimensions { data = try Self.pca(data, dimensions: pcaDimensions) }
            let p = try affinities(data)
            return try optimise(p, progress: progress)
        }
    }

    /// Scores on the leading principal components, each oriented so that its largest-magnitude score is
    /// positive (eigenvectors' signs are otherwise arbitrary). With fewer points than dimensions (images:
    /// thousands of pixels) from the N x N Gram matrix, whose eigenvectors scaled by sqrt(eigenvalue) are
    /// the same scores, instead of the D x D covariance.
    static func pca(_ x: Tensor, dimensions: Int) throws -> Tensor {
        let centred = try x - x.mean(dims: [0], keepDim: true)
        let (n, d) = (x.size(0), x.size(1))
        var scores: Tensor
        if n < d {
            let (values, vectors) = try centred.matmul(centred.t()).symmetricEigen()
            let k = min(dimensions, n)
            let top = try vectors.narrow(dim: 1, start: n - k, length: k).flip([1])
            let lambda = try values.narrow(dim: 0, start: n - k, length: k).flip([0]).clamp(min: 0)
            scores = try top * lambda.sqrt().unsqueeze(dim: 0)
        } else {
            let covariance = try centred.t().matmul(centred)
            let (_, vectors) = try covariance.symmetricEigen()
            let k = min(dimensions, d)
            scores = try centred.matmul(vectors.narrow(dim: 1, start: d - k, length: k).flip([1]))
        }
        let index = try scores.abs().argmax(dim: 0, keepDim: true)
        let pivot = try scores.gather(dim: 0, index: index)
        return try scores * pivot.sign().maskedFill(pivot.eq(0), 1)
    }

    /// Squared Euclidean distances between rows, diagonal zero.
    static func squaredDistances(_ x: Tensor) throws -> Tensor {
        let sq = try x.square().sum(dims: [1], keepDim: true)
        return try (sq + sq.t() - x.matmul(x.t()) * 2).clamp(min: 0)
    }

    static func diagonal(_ n: Int) throws -> Tensor {
        let i = try Tensor.arange(0, Double(n))
        return try i.unsqueeze(dim: 1).eq(i.unsqueeze(dim: 0))
    }

    /// Symmetric joint probabilities P (sum 1): each row's Gaussian precision found by bisection on
    /// log(beta) so that the conditional distribution's entropy is log(perplexity).
    func affinities(_ x: Tensor) throws -> Tensor {
        let n = x.size(0)
        let conditional = try conditionalAffinities(x)
        let joint = try (conditional + conditional.t()) / Double(2 * n)
        return try joint.clamp(min: 1e-12).maskedFill(Self.diagonal(n), 0)
    }

    /// Row i: p_{j|i}, the Gaussian around point i with the precision that gives it `perplexity`.
    func conditionalAffinities(_ x: Tensor) throws -> Tensor {
        let n = x.size(0)
        let eye = try Self.diagonal(n)
        var d = try Self.squaredDistances(x)
        let scale = try d.max().item()
        if scale > 0 { d = try d / scale }
        // Shifting each row by its smallest off-diagonal distance leaves P unchanged and keeps exp() > 0.
        let rowMin = try d.maskedFill(eye, .infinity).min(dim: 1, keepDim: true).values
        let shifted = try (d - rowMin).maskedFill(eye, 0)
        let target = Foundation.log(perplexity)
        var lo = try Tensor.full([n, 1], -30, dtype: .f64), hi = try Tensor.full([n, 1], 40, dtype: .f64)
        var conditional = shifted
        for _ in 0..<64 {
            let logBeta = try (lo + hi) / 2
            let beta = try logBeta.exp()
            let w = try (shifted * beta * -1.0).exp().maskedFill(eye, 0)
            let sum = try w.sum(dims: [1], keepDim: true)
            let entropy = try sum.log() + beta * (shifted * w).sum(dims: [1], keepDim: true) / sum
            // Entropy falls as beta grows: too high -> raise beta.
            let tooFlat = try entropy.gt(Tensor.full([n, 1], target, dtype: .f64))
            lo = try Tensor.where(tooFlat, logBeta, lo)
            hi = try Tensor.where(tooFlat, hi, logBeta)
            conditional = try w / sum
        }
        return conditional
    }

    func optimise(_ p: Tensor, progress: (Int, Double) -> Void) throws -> Result {
        let n = p.size(0)
        let eye = try Self.diagonal(n)
        let rng = try RandomGenerator(seed: seed)
        var y = try Tensor.randn([n, 2], generator: rng, dtype: .f64) * 1e-4
        var update = try Tensor.zeros([n, 2], dtype: .f64)
        var gains = try Tensor.ones([n, 2], dtype: .f64)
        var divergence = Double.nan
        for it in 0..<iterations {
            let exaggerated = it < exaggerationIterations
            let pe = exaggerated ? try p * earlyExaggeration : p
            let num = try (1.0 / (Self.squaredDistances(y) + 1)).maskedFill(eye, 0)
            let q = try (num / num.sum()).clamp(min: 1e-12)
            let w = try (pe - q) * num
            // dC/dy_i = 4 sum_j (p_ij - q_ij) (1 + |y_i - y_j|^2)^-1 (y_i - y_j)
            let grad = try (y * w.sum(dims: [1], keepDim: true) - w.matmul(y)) * 4
            let momentum = it < exaggerationIterations ? 0.5 : 0.8
            let sameSign = try (grad * update).gt(Tensor.zeros([n, 2], dtype: .f64))
            gains = try Tensor.where(sameSign, gains * 0.8, gains + 0.2).clamp(min: 0.01)
            update = try update * momentum - (gains * grad) * learningRate
            y = try y + update
            y = try y - y.mean(dims: [0], keepDim: true)
            if it == iterations - 1 || (it + 1) % 100 == 0 {
                // P is 0 on the diagonal, where the ratio is set to 1: only pairs i != j count.
                divergence = try (p * (p.maskedFill(eye, 1) / q.maskedFill(eye, 1)).log()).sum().item()
                progress(it + 1, divergence)
            }
        }
        return Result(embedding: y, divergence: divergence)
    }
}
