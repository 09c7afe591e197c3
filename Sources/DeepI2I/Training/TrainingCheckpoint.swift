import Foundation
import Torch

/// The counters of a resumable snapshot (`state.json`), one format for every family; `config` is the
/// family's configuration, so a snapshot says how it was made.
public struct TrainingState<Config: Codable & Equatable>: Codable, Equatable {
    /// The family that wrote it (`TrainingFamily.kind`).
    public var family: String
    /// Completed iterations.
    public var iteration: Int
    public var phase: Int
    public var position: BatchStream.Position
    public var optimizerSteps: [String: Int]
    public var config: Config
    /// The loss scaler's state (fp16 runs only).
    public var lossScaler: LossScaler.State?
}

/// Resumable snapshots of a run: `checkpoints/iter-NNNNNNN/` holding the family's networks, the optimizer
/// moments and random-generator states (`state.safetensors`) and the counters with the run's
/// configuration (`state.json`). Written into a temporary folder and renamed, so a crash mid-write never
/// leaves a half checkpoint; only the newest `keep` are kept. Resume lookup lives here.
public enum TrainingCheckpoint {
    static let prefix = "iter-"
    public static let stateFile = "state.json"
    public static let tensorFile = "state.safetensors"

    public static func folder(_ runDirectory: URL) -> URL { RunLayout(runDirectory).checkpoints }

    /// Checkpoints of a run, oldest first.
    public static func list(_ runDirectory: URL) -> [URL] {
        let dir = folder(runDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().map { dir.appendingPathComponent($0) }
    }

    public static func latest(_ runDirectory: URL) -> URL? { list(runDirectory).last }

    /// The newest checkpoint of a run, for `--resume`; an error naming the folder when there is none.
    public static func resumable(_ runDirectory: URL) throws -> URL {
        guard let latest = latest(runDirectory) else {
            throw TrainingError.checkpoint("--resume: \(runDirectory.path) has no checkpoint (checkpoints/iter-*)")
        }
        return latest
    }

    /// The newest checkpoint of a run with its state, checked to be one of `family`'s.
    public static func resumable<F: TrainingFamily>(_ runDirectory: URL, family: F.Type) throws -> (url: URL, state: TrainingState<F.Config>) {
        let url = try resumable(runDirectory)
        // The family first: another family's config would otherwise fail to decode with a vaguer message.
        if let found = familyName(url), found != F.kind {
            throw TrainingError.checkpoint("\(url.path) is a \(found) checkpoint, not \(F.kind)")
        }
        let state = try readState(url, as: F.Config.self)
        guard state.family == F.kind else {
            throw TrainingError.checkpoint("\(url.path) is a \(state.family) checkpoint, not \(F.kind)")
        }
        return (url, state)
    }

    /// The `family` a checkpoint's state.json names, whatever its configuration type (nil if unreadable).
    public static func familyName(_ checkpoint: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: checkpoint.appendingPathComponent(stateFile).path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["family"] as? String
    }

    /// The configuration a run was started with (from its newest checkpoint), for `--resume`.
    public static func savedConfig<C: Codable & Equatable>(_ runDirectory: URL, as type: C.Type) throws -> C {
        try readState(resumable(runDirectory), as: type).config
    }

    public static func readState<C: Codable & Equatable>(_ checkpoint: URL, as type: C.Type) throws -> TrainingState<C> {
        let url = checkpoint.appendingPathComponent(stateFile)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.checkpoint("\(checkpoint.path) has no \(stateFile)")
        }
        do { return try JSONDecoder().decode(TrainingState<C>.self, from: data) } catch {
            throw TrainingError.checkpoint("\(url.path) is unreadable (not a checkpoint of this kind of run?): \(describe(error))")
        }
    }

    /// A DeepI2I checkpoint's state.
    public static func readState(_ checkpoint: URL) throws -> TrainingState<TrainingConfig> {
        try readState(checkpoint, as: TrainingConfig.self)
    }

    /// Writes a checkpoint and deletes the oldest beyond `keep`. Returns its folder.
    @discardableResult
    public static func write<F: TrainingFamily>(_ family: F, iteration: Int, run: RunLayout, keep: Int) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: run.checkpoints, withIntermediateDirectories: true)
        let final = run.checkpoints.appendingPathComponent(prefix + String(format: "%07d", iteration))
        do {
            try AtomicDirectory.write(final) { tmp in
                try family.writeWeights(into: tmp, iteration: iteration)
                let (tensors, steps) = try OptimizerSnapshot.tensors(optimizers: family.optimizers, samplingRNG: family.samplingRNG)
                try StateDictFile.write(tensors, to: tmp.appendingPathComponent(tensorFile))
                let state = TrainingState(family: F.kind, iteration: iteration, phase: family.phase(after: iteration),
                                          position: family.position, optimizerSteps: steps, config: family.config,
                                          lossScaler: family.lossScaler?.state)
                try AtomicDirectory.writeJSON(state, to: tmp.appendingPathComponent(stateFile))
            }
        } catch {
            throw TrainingError.checkpoint("writing \(final.path) failed: \(describe(error))")
        }
        for old in list(run.root).dropLast(keep) { try? fm.removeItem(at: old) }
        return final
    }

    /// Restores weights, optimizer moments, random states and the data position into a freshly built family.
    public static func restore<F: TrainingFamily>(_ checkpoint: URL, into family: F) throws -> TrainingState<F.Config> {
        let state = try readState(checkpoint, as: F.Config.self)
        guard state.family == F.kind else {
            throw TrainingError.checkpoint("\(checkpoint.path) is a \(state.family) checkpoint, not \(F.kind)")
        }
        try family.loadWeights(from: checkpoint)
        let tensors = try StateDictFile.readDictionary(checkpoint.appendingPathComponent(tensorFile))
        try OptimizerSnapshot.restore(tensors, steps: state.optimizerSteps, optimizers: family.optimizers,
                                      samplingRNG: family.samplingRNG, source: checkpoint.path)
        try family.seek(to: state.position)
        if let scaler = family.lossScaler, let saved = state.lossScaler { scaler.restore(saved) }
        return state
    }
}
