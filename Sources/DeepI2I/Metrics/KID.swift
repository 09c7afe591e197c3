import Datasets
import Foundation
import Torch
import Support

/// Kernel Inception Distance (Bińkowski et al. 2018) as torch-fidelity computes it: the unbiased
/// MMD^2 with the polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets of equal
/// size drawn without replacement from each set; the reported spread is the population std over
/// subsets (np.std).
public enum KID {
    public struct Result: Codable, Equatable, Sendable {
        public var mean: Double
        public var std: Double
        public var subsets: Int
        public var subsetSize: Int
    }

    /// Unbiased MMD^2 between two equally sized sets ([m, d] each), in Float64.
    public static func mmd2(_ x: Tensor, _ y: Tensor) throws -> Double {
        guard x.rank == 2, y.rank == 2, x.size(1) == y.size(1) else {
            throw EvaluationError.badFeatures("KID feature shapes differ: \(x.shape) vs \(y.shape)")
        }
        let m = x.size(0)
        guard m >= 2, y.size(0) == m else {
            throw EvaluationError.badFeatures("KID subsets need equal sizes >= 2, got \(m) and \(y.size(0))")
        }
        let a = try x.detached().to(.cpu, dtype: .f64), b = try y.detached().to(.cpu, dtype: .f64)
        let d = Double(a.size(1))
        func kernel(_ p: Tensor, _ q: Tensor) throws -> Tensor { try (p.matmul(q.t()) / d + 1).pow(3) }
        // Off-diagonal sums: the full sum less the diagonal, k(x, x) = (|x|^2 / d + 1)^3.
        let kxx = try kernel(a, a).sum().item() - ((a.square().sum(dims: [1]) / d + 1).pow(3)).sum().item()
        let kyy = try kernel(b, b).sum().item() - ((b.square().sum(dims: [1]) / d + 1).pow(3)).sum().item()
        let kxy = try kernel(a, b).sum().item()
        let mm = Double(m)
        return (kxx + kyy) / (mm * (mm - 1)) - 2 * kxy / (mm * mm)
    }

    /// KID over `subsets` random subsets of `subsetSize` rows (clamped to the smaller set, as small
    /// evaluation sets are common here; the size used is reported), seeded.
    public static func compute(_ a: Tensor, _ b: Tensor, subsets: Int = 100, subsetSize: Int = 1000,
                               seed: UInt64 = 0) throws -> Result {
        guard subsets >= 1 else { throw EvaluationError.invalidArgument("KID needs at least one subset, got \(subsets)") }
        let size = min(subsetSize, a.size(0), b.size(0))
        guard size >= 2 else { throw EvaluationError.badFeatures("KID needs at least 2 samples per set, got \(a.size(0)) and \(b.size(0))") }
        // Host Float64 copies: the subset indices are host tensors, and the sums need the precision.
        let a = try a.detached().to(.cpu, dtype: .f64), b = try b.detached().to(.cpu, dtype: .f64)
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        for _ in 0..<subsets {
            let ia = sample(a.size(0), size, &rng), ib = sample(b.size(0), size, &rng)
            values.append(try mmd2(a.indexSelect(dim: 0, index: Tensor(ia)), b.indexSelect(dim: 0, index: Tensor(ib))))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return Result(mean: mean, std: variance.squareRoot(), subsets: subsets, subsetSize: size)
    }

    /// `k` distinct indices below `n` (partial Fisher-Yates).
    static func sample(_ n: Int, _ k: Int, _ rng: inout SplitMix64) -> [Int64] {
        var pool = Array(0..<n)
        for i in 0..<k { pool.swapAt(i, i + rng.below(n - i)) }
        return pool.prefix(k).map(Int64.init)
    }
}
