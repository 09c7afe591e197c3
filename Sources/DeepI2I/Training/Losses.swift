import Torch

/// Which distance the feature reconstruction loss uses: MSE as the official code, L1 as the paper (eq. 3).
public enum ReconstructionDistance: String, Codable, Sendable, CaseIterable {
    case mse, l1
}

/// DeepI2I's losses: hinge adversarial terms and the hierarchical feature reconstruction loss.
public enum Losses {
    /// D's hinge loss parts: mean(relu(1 - D(real))) and mean(relu(1 + D(fake))).
    public static func discriminatorHinge(real: Tensor, fake: Tensor) throws -> (real: Tensor, fake: Tensor) {
        (try (1.0 - real).relu().mean(), try (fake + 1.0).relu().mean())
    }

    /// G's hinge loss: -mean(D(fake)).
    public static func generatorHinge(fake: Tensor) throws -> Tensor {
        try -fake.mean()
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
            let term = distance == .mse ? try Functional.mseLoss(f, r) : try Functional.l1Loss(f, r)
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
