import Torch

/// How a fresh adaptor's weights start under transfer.
public enum AdaptorInitialisation: String, Codable, Sendable, CaseIterable {
    /// PyTorch's default `nn.Conv2d` init, which the official adaptor keeps (train.py's `--resume` builds
    /// the networks with `skip_init`): weights kaiming-uniform with a = sqrt(5), i.e. U(-b, b) with
    /// b = 1/sqrt(fan_in), and biases U(-b, b) with the same bound.
    case pytorch
    /// BigGAN's `init_weights` (orthogonal weights, zero biases), as scratch mode initialises every network.
    case orthogonal

    /// Re-initialises every convolution of `adaptor` (the spectral-norm vectors keep their random start).
    public func apply(to adaptor: Adaptor, seed: UInt64) throws {
        guard self == .pytorch else { return }
        let rng = try RandomGenerator(seed: seed &+ 0xADA9_7012)
        try withNoGrad {
            for (_, module) in adaptor.namedModules() {
                guard let conv = module as? SNConv2d else { continue }
                let fanIn = conv.weight.shape.dropFirst().reduce(1, *)
                let bound = 1 / Double(fanIn).squareRoot()
                _ = try conv.weight.uniform_(from: -bound, to: bound, generator: rng)
                _ = try conv.bias?.uniform_(from: -bound, to: bound, generator: rng)
            }
        }
    }
}
