import Foundation
import Torch

/// A resumable snapshot of a run: `checkpoints/iter-NNNNNNN/` holding the model directory (all four
/// networks), the optimizer moments and random-generator states (`state.safetensors`) and the
/// counters with the run's configuration (`state.json`). Written into a temporary folder and renamed,
/// so a crash mid-write never leaves a half checkpoint; only the newest `keep` are kept.
public enum TrainingCheckpoint {
    public struct State: Codable, Equatable {
        /// Completed iterations.
        public var iteration: Int
        public var phase: Int
        public var position: BatchStream.Position
        public var optimizerSteps: [String: Int]
        public var config: TrainingConfig
    }

    static let prefix = "iter-"

    public static func folder(_ runDirectory: URL) -> URL { runDirectory.appendingPathComponent("checkpoints") }

    /// Checkpoints of a run, oldest first.
    public static func list(_ runDirectory: URL) -> [URL] {
        let dir = folder(runDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().map { dir.appendingPathComponent($0) }
    }

    public static func latest(_ runDirectory: URL) -> URL? { list(runDirectory).last }

    public static func readState(_ checkpoint: URL) throws -> State {
        let url = checkpoint.appendingPathComponent("state.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.checkpoint("\(checkpoint.path) has no state.json")
        }
        do { return try JSONDecoder().decode(State.self, from: data) } catch {
            throw TrainingError.checkpoint("\(url.path) is unreadable: \(describe(error))")
        }
    }

    /// Writes a checkpoint and deletes the oldest beyond `keep`. Returns its folder.
    @discardableResult
    public static func write(runDirectory: URL, step: DeepI2IStep, state: State, samplingRNG: RandomGenerator,
                             keep: Int) throws -> URL {
        let fm = FileManager.default
        let dir = folder(runDirectory)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let name = prefix + String(format: "%07d", state.iteration)
        let final = dir.appendingPathComponent(name)
        do {
            try AtomicDirectory.write(final) { tmp in
                try ModelDirectory.save(step.model, to: tmp.appendingPathComponent("model"),
                                        provenance: ["source": "deepi2i train", "iteration": String(state.iteration)],
                                        trainedIterations: (TrainingSetup.trainedIterations(before: state.config) ?? 0) + state.iteration)
                let (tensors, steps) = try OptimizerSnapshot.tensors(optimizers: step.optimizers, samplingRNG: samplingRNG)
                try StateDictFile.write(tensors, to: tmp.appendingPathComponent("state.safetensors"))
                var state = state
                state.optimizerSteps = steps
                try AtomicDirectory.writeJSON(state, to: tmp.appendingPathComponent("state.json"))
            }
        } catch {
            throw TrainingError.checkpoint("writing \(final.path) failed: \(describe(error))")
        }
        for old in list(runDirectory).dropLast(keep) { try? fm.removeItem(at: old) }
        return final
    }

    /// Restores weights, optimizer moments and random states into a freshly built step.
    public static func restore(_ checkpoint: URL, into step: DeepI2IStep, samplingRNG: RandomGenerator) throws -> State {
        let state = try readState(checkpoint)
        let modelDir = checkpoint.appendingPathComponent("model")
        for (name, network) in step.model.networks {
            let url = modelDir.appendingPathComponent("\(name).safetensors")
            do { try network.load(from: url) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit the run's model: \(describe(error))")
            }
        }
        let tensors = try StateDictFile.readDictionary(checkpoint.appendingPathComponent("state.safetensors"))
        try OptimizerSnapshot.restore(tensors, steps: state.optimizerSteps, optimizers: step.optimizers,
                                      samplingRNG: samplingRNG, source: checkpoint.path)
        return state
    }
}
