import Torch

/// The part of a resumable snapshot shared by DeepI2I checkpoints and GAN pretraining: Adam moments
/// (`optimizer.<label>.*`) with their step counts, and the states of the sampling and default random
/// generators (`rng.sampling`, `rng.default`).
enum OptimizerSnapshot {
    static func tensors(optimizers: [(name: String, optimizer: Adam)], samplingRNG: RandomGenerator) throws
        -> (tensors: [(name: String, tensor: Tensor)], steps: [String: Int]) {
        var tensors: [(name: String, tensor: Tensor)] = [
            ("rng.sampling", try samplingRNG.state()), ("rng.default", try RandomGenerator.defaultState()),
        ]
        var steps: [String: Int] = [:]
        for (label, optimizer) in optimizers {
            let (moments, count) = try optimizer.stateDict()
            tensors += moments.map { ("optimizer.\(label).\($0.name)", $0.tensor) }
            steps[label] = count
        }
        return (tensors, steps)
    }

    /// `source` names the snapshot in errors.
    static func restore(_ tensors: [String: Tensor], steps: [String: Int], optimizers: [(name: String, optimizer: Adam)],
                        samplingRNG: RandomGenerator, source: String) throws {
        for (label, optimizer) in optimizers {
            guard let count = steps[label] else {
                throw TrainingError.checkpoint("\(source) has no state for optimizer \(label)")
            }
            let p = "optimizer.\(label)."
            var own: [String: Tensor] = [:]
            for (k, v) in tensors where k.hasPrefix(p) { own[String(k.dropFirst(p.count))] = v }
            try optimizer.loadStateDict(tensors: own, step: count)
        }
        guard let sampling = tensors["rng.sampling"], let defaultState = tensors["rng.default"] else {
            throw TrainingError.checkpoint("\(source) lacks random-generator states")
        }
        try samplingRNG.setState(sampling)
        try RandomGenerator.setDefaultState(defaultState)
    }
}
