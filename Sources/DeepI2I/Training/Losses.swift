import Torch

/// Which distance the feature reconstruction loss uses: MSE as the official code, L1 as the paper (eq. 3).
public enum ReconstructionDistance: String, Codable, Sendable, CaseIterable {
    case mse, l1

    /// The distance between two feature maps (a float32 loss under mixed precision too: callers cast).
    func apply(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        self == .mse ? try Functional.mseLoss(a, b) : try Functional.l1Loss(a, b)
    }
}

/// DeepI2I's losses: hinge adversarial terms and the hierarchical feature reconstruction loss.
public enum Losses {
    /// D's hinge loss parts: mean(relu(1 - D(real))) and mean(relu(1 + D(fake))).
    public static func discriminatorHinge(real: Tensor, fake: Tensor) throws -> (real: Tensor, fake: Tensor) {
        try Autocast.disabled { (try (1.0 - real.float32()).relu().mean(), try (fake.float32() + 1.0).relu().mean()) }
    }

    /// G's hinge loss: -mean(D(fake)).
    public static func generatorHinge(fake: Tensor) throws -> Tensor {
        try Autocast.disabled { try -fake.float32().mean() }
    }

    /// sum_k w_k * distance(D_k(translation), D_k(input)) over the weighted widths, each translation
    /// against its own input (the intended pairing, not the official code's index bug).
    public static func reconstruction(fake: [Int: Tensor], real: [Int: Tensor], weights: [Int: Double],
                                      distance: ReconstructionDistance) throws -> Tensor {
        var total: Tensor?
        for (width, w) in weights.sorted(by: { $0.key < $1.key }) where w != 0 {
            guard let f = fake[width], let r = real[width] else {
                throw ModelError.badInput("no discriminator feature at width \(width) for the reconstruction loss")
            }
            let term = try Autocast.disabled { try distance.apply(f.float32(), r.float32()) }
            total = try total.map { try $0.adding(term, alpha: w) } ?? (term * w)
        }
        guard let total else { throw ModelError.badInput("reconstruction loss has no weighted width") }
        return total
    }

    /// The official code's reconstruction term, index bug included (`--official-recon-pairing`), from D's
    /// features of [translations; inputs]: rows 0 and 1 of each feature map (`M_regu[-1][k][0]` against
    /// `[1]`, i.e. the first two translations of the micro-batch against each other), summed from the
    /// widest width down as the official feature dict is ordered. This is the loss the paper's runs used.
    public static func officialReconstruction(features: [Int: Tensor], weights: [Int: Double],
                                              distance: ReconstructionDistance) throws -> Tensor {
        var total: Tensor?
        for (width, w) in weights.sorted(by: { $0.key > $1.key }) where w != 0 {
            guard let f = features[width] else {
                throw ModelError.badInput("no discriminator feature at width \(width) for the reconstruction loss")
            }
            guard f.size(0) >= 2 else { throw ModelError.badInput("the official pairing needs at least 2 rows") }
            let a = try f.narrow(dim: 0, start: 0, length: 1), b = try f.narrow(dim: 0, start: 1, length: 1)
            let term = try Autocast.disabled { try distance.apply(a.float32(), b.float32()) }
            total = try total.map { try $0.adding(term, alpha: w) } ?? (term * w)
        }
        guard let total else { throw ModelError.badInput("reconstruction loss has no weighted width") }
        return total
    }

    /// The official weights: 0.1 at widths 4, 8, 16 and 0.01 at 32 (other widths of other resolutions: 0.1).
    public static func officialReconstructionWeights(levels: [Int]) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: levels.map { ($0, $0 >= 32 ? 0.01 : 0.1) })
    }
}
