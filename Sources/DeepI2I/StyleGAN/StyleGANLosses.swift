import Foundation
import Torch

/// The losses of the official DeepI2I_StyleGAN/train.py: WGAN-GP (its default) and R1 for D, the
/// matching adversarial term for G/A, and the reconstruction of D features of the input.
public enum StyleGANLossKind: String, Codable, Sendable, CaseIterable {
    case wganGP = "wgan-gp"
    case r1
}

public enum StyleGANLosses {
    /// log(1 + e^x), stably: relu(x) + log1p(e^-|x|).
    public static func softplus(_ x: Tensor) throws -> Tensor {
        try x.relu() + (-x.abs()).exp().log1p()
    }

    /// The terms of a discriminator step, each as train.py computes it; `total` is what D minimises.
    public struct DiscriminatorTerms {
        /// wgan-gp: mean(D(real)) - 0.001 mean(D(real)^2) (maximised); r1: mean(softplus(-D(real))).
        public var real: Tensor
        /// wgan-gp: mean(D(fake)); r1: mean(softplus(D(fake))).
        public var fake: Tensor
        /// wgan-gp: 10 mean((|grad D(xhat)| - 1)^2); r1: 5 mean(|grad D(real)|^2).
        public var penalty: Tensor
        public var total: Tensor
    }

    /// One discriminator step's loss at `step`. `fake` is detached here; `eps` [B, 1, 1, 1] mixes real and
    /// fake for the WGAN gradient penalty (U(0, 1) per sample; drawn from `rng` when nil).
    public static func discriminator(_ kind: StyleGANLossKind, _ d: StyleGANDiscriminator, real: Tensor, fake: Tensor,
                                     step: Int, alpha: Double = -1, eps: Tensor? = nil,
                                     generator rng: RandomGenerator? = nil) throws -> DiscriminatorTerms {
        let fake = try fake.detached()
        let real = try real.detached()
        switch kind {
        case .wganGP:
            let realPrediction = try d(real, step: step, alpha: alpha).logit
            let realTerm = try realPrediction.mean() - realPrediction.square().mean() * 0.001
            let fakeTerm = try d(fake, step: step, alpha: alpha).logit.mean()
            let eps = try eps ?? Tensor.rand([real.size(0), 1, 1, 1], generator: rng, device: real.device)
            let xHat = try (eps * real + (1 - eps) * fake).detached().requiresGrad(true)
            let hat = try d(xHat, step: step, alpha: alpha).logit
            let penalty = try (perSampleGradient(of: hat, at: xHat).norm(p: 2, dims: [1]) - 1).square().mean() * 10
            return DiscriminatorTerms(real: realTerm, fake: fakeTerm, penalty: penalty,
                                      total: try -realTerm + fakeTerm + penalty)
        case .r1:
            let realInput = try real.requiresGrad(true)
            let realScores = try d(realInput, step: step, alpha: alpha).logit
            let realTerm = try softplus(-realScores).mean()
            let penalty = try perSampleGradient(of: realScores, at: realInput).square().sum(dims: [1]).mean() * 5
            let fakeTerm = try softplus(d(fake, step: step, alpha: alpha).logit).mean()
            return DiscriminatorTerms(real: realTerm, fake: fakeTerm, penalty: penalty,
                                      total: try realTerm + penalty + fakeTerm)
        }
    }

    /// d sum(scores) / d input, flattened per sample, with its graph kept for the penalty's backward.
    static func perSampleGradient(of scores: Tensor, at input: Tensor) throws -> Tensor {
        guard let g = try Autograd.grad(outputs: [scores.sum()], inputs: [input], createGraph: true)[0] else {
            throw ModelError.badInput("the discriminator's output does not depend on its input")
        }
        return try g.reshape([g.size(0), -1])
    }

    /// The generator's adversarial loss on D's logits of its fakes.
    public static func generatorAdversarial(_ kind: StyleGANLossKind, fakeLogit: Tensor) throws -> Tensor {
        switch kind {
        case .wganGP: return try -fakeLogit.mean()
        case .r1: return try softplus(-fakeLogit).mean()
        }
    }

    /// sum_w weights[w] * mse(D_w(input), D_w(translation)) over the widths with a non-zero weight.
    public static func reconstruction(input: [Int: Tensor], translation: [Int: Tensor],
                                      weights: [Int: Double]) throws -> Tensor {
        var total: Tensor?
        for (width, weight) in weights.sorted(by: { $0.key > $1.key }) where weight != 0 {
            guard let a = input[width], let b = translation[width] else {
                throw ModelError.badInput("no discriminator feature at width \(width) for the reconstruction loss")
            }
            let term = try Functional.mseLoss(a, b) * weight
            total = try total.map { try $0 + term } ?? term
        }
        return try total ?? Tensor.zeros([], device: input.values.first?.device ?? .cpu)
    }
}
