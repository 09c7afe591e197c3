import Foundation
import Torch

/// What a model family plugs into `TrainingDriver`: its networks, optimizers and data stream, one
/// training iteration (its phases), its sample sheet and what a finished run leaves behind. Everything
/// else of training (stop signal, progress, logs, checkpoints, resume, the non-finite stop, curves,
/// TensorBoard) is the driver's, written once for every family.
public protocol TrainingFamily: AnyObject {
    associatedtype Config: Codable & Equatable
    /// Names the family in checkpoints ("deepi2i", "biggan").
    static var kind: String { get }
    var config: Config { get }
    var schedule: TrainingSchedule { get }
    /// Optimizers by name; their moments and step counts go into every checkpoint.
    var optimizers: [(name: String, optimizer: Adam)] { get }
    /// The generator of z and target classes; its state goes into every checkpoint.
    var samplingRNG: RandomGenerator { get }
    /// Where the data stream stands (saved, and restored with `seek`).
    var position: BatchStream.Position { get }
    func seek(to position: BatchStream.Position) throws
    /// The phase the iteration after `completed` iterations runs in (logged and saved).
    func phase(after completed: Int) -> Int
    /// One iteration. Throws `NonFiniteLoss` before any optimizer applies bad gradients. `poison` asks
    /// for NaN inputs (tests of the non-finite stop).
    func step(iteration: Int, phase: Int, poison: Bool) throws -> [String: Double]
    /// The networks into a checkpoint folder, and back.
    func writeWeights(into checkpoint: URL, iteration: Int) throws
    func loadWeights(from checkpoint: URL) throws
    func writeSamples(to url: URL) throws
    /// What a completed run leaves in its folder besides the checkpoints (a model or GAN directory).
    func writeProduct(_ run: RunLayout, from checkpoint: URL, iteration: Int) throws
    /// How the run was made (`run.json`).
    func runRecord(resumedFrom: String?) -> any Encodable
    /// The losses shown in the progress line and the loss curves.
    var headlineLosses: [String] { get }
    /// Learning rates by optimizer name (TensorBoard).
    var learningRates: [String: Double] { get }
    /// Data parallel: from now on take rank `parallel.rank`'s part of every batch and random draw;
    /// returns the networks rank 0 broadcasts (default: the family does not support it).
    func distribute(_ parallel: DataParallel) throws -> DataParallelParts
    /// fp16's dynamic loss scaler, whose state goes into every checkpoint (nil: none).
    var lossScaler: LossScaler? { get }
}

extension TrainingFamily {
    public var lossScaler: LossScaler? { nil }
}

/// Lengths and intervals of a run, in iterations.
public struct TrainingSchedule: Equatable, Sendable {
    public var iterations: Int
    public var checkpointEvery: Int
    public var keepCheckpoints: Int
    public var sampleEvery: Int
    /// Images one iteration consumes (images/s in TensorBoard).
    public var imagesPerIteration: Int

    public init(iterations: Int, checkpointEvery: Int, keepCheckpoints: Int, sampleEvery: Int, imagesPerIteration: Int) {
        self.iterations = iterations
        self.checkpointEvery = checkpointEvery
        self.keepCheckpoints = keepCheckpoints
        self.sampleEvery = sampleEvery
        self.imagesPerIteration = imagesPerIteration
    }
}

/// Test and tooling hooks of the training driver (none are needed for normal runs).
public struct TrainingHooks {
    /// Behave as if Ctrl-C arrived once this many iterations are done (interrupt/resume tests).
    public var stopAfter: Int?
    /// Poison the inputs of this iteration (1-based) with NaN, to exercise the non-finite check.
    public var injectNaNAt: Int?
    public var showProgress = true
    /// Write TensorBoard event files into the run folder.
    public var tensorBoard = true
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    public init() {}
}

public enum TrainingOutcome: Equatable {
    case completed(iterations: Int)
    case interrupted(iteration: Int, checkpoint: String)
}

/// The folder of one training run, the same for every command:
/// `run.json`, `log.jsonl`, `losses.png`, TensorBoard `events.out.tfevents.*`, `samples/iter-NNNNNNN.png`,
/// `checkpoints/iter-NNNNNNN/` (resumable snapshots) and the family's product (`model/`, or the GAN files).
public struct RunLayout: Sendable {
    public let root: URL
    public init(_ root: URL) { self.root = root }
    public var record: URL { root.appendingPathComponent("run.json") }
    public var log: URL { root.appendingPathComponent("log.jsonl") }
    public var curves: URL { root.appendingPathComponent("losses.png") }
    public var samples: URL { root.appendingPathComponent("samples") }
    public var checkpoints: URL { root.appendingPathComponent("checkpoints") }
    public func sample(_ iteration: Int) -> URL { samples.appendingPathComponent(String(format: "iter-%07d.png", iteration)) }
}

/// Runs any `TrainingFamily` in the shape of stylegan2-ada's `training_loop()`: restore (or start), then
/// iterations with the JSONL log, progress, TensorBoard, sample sheets and checkpoint cadence, stopping
/// cleanly on Ctrl-C (a checkpoint) and on a non-finite loss (naming the last good checkpoint).
public final class TrainingDriver<Family: TrainingFamily> {
    public let family: Family
    public let run: RunLayout
    let stop: StopSignal?
    let hooks: TrainingHooks
    /// Data parallel (nil: one process).
    let parallel: DataParallel?

    public init(family: Family, run: RunLayout, stop: StopSignal?, hooks: TrainingHooks, parallel: DataParallel? = nil) {
        self.family = family
        self.run = run
        self.stop = stop
        self.hooks = hooks
        self.parallel = parallel
    }

    /// Trains from the start, or from `checkpoint` (restored exactly: weights, optimizer moments, random
    /// states and data position).
    public func train(resumingFrom checkpoint: URL? = nil) throws -> TrainingOutcome {
        let fm = FileManager.default
        // Data parallel: rank 0 alone writes the run folder; the others train and meet it at barriers.
        let writes = parallel?.isWriter ?? true
        if writes { try fm.createDirectory(at: run.samples, withIntermediateDirectories: true) }
        let parts = try parallel?.join(family)
        let schedule = family.schedule
        var iteration = 0
        if let checkpoint {
            let state = try TrainingCheckpoint.restore(checkpoint, into: family)
            iteration = state.iteration
            if writes { hooks.log("resuming from \(checkpoint.lastPathComponent) (iteration \(iteration), phase \(state.phase))") }
        }
        if let parallel, let parts { try parallel.start(family, parts: parts, iteration: iteration) }
        if writes {
            try AtomicDirectory.writeJSON(RunRecordWithWorldSize(record: family.runRecord(resumedFrom: checkpoint?.path),
                                                                 worldSize: parallel?.worldSize ?? 1), to: run.record)
        }
        let log = writes ? try LossLog(url: run.log, keepingThrough: checkpoint == nil ? nil : iteration) : nil
        let board = hooks.tensorBoard && writes ? try TrainingBoard(run: run) : nil
        let progress = ProgressBar(total: schedule.iterations, start: iteration)
        progress.enabled = hooks.showProgress && writes
        let started = Date()
        var lastCheckpoint = checkpoint?.path
        var lastSaved = checkpoint == nil ? nil : iteration
        var lastTime = started, lastIteration = iteration
        var stopAgreed = false

        func saveCheckpoint() throws -> URL {
            let url = writes ? try TrainingCheckpoint.write(family, iteration: iteration, run: run, keep: schedule.keepCheckpoints)
                : TrainingCheckpoint.folder(run.root).appendingPathComponent(String(format: "iter-%07d", iteration))
            // The others wait until rank 0's checkpoint is complete (or fail with it).
            try parallel?.barrier("the checkpoint of iteration \(iteration)")
            lastCheckpoint = url.path
            lastSaved = iteration
            return url
        }

        while iteration < schedule.iterations {
            // Data parallel: every rank stops at the iteration they agreed on.
            if (parallel == nil ? stop?.requested == true : stopAgreed) || hooks.stopAfter == iteration {
                progress.finish()
                let url = try saveCheckpoint()
                hooks.log("stopped at iteration \(iteration); checkpoint \(url.path)")
                return .interrupted(iteration: iteration, checkpoint: url.path)
            }
            let phase = family.phase(after: iteration)
            var losses: [String: Double]
            do {
                losses = try family.step(iteration: iteration, phase: phase, poison: hooks.injectNaNAt == iteration + 1)
            } catch let bad as NonFiniteLoss {
                progress.finish()
                throw TrainingError.nonFiniteLoss(iteration: iteration + 1, losses: bad.losses, lastCheckpoint: lastCheckpoint)
            }
            iteration += 1
            if let parallel { (losses, stopAgreed) = try parallel.agree(losses, stop: stop?.requested == true, iteration: iteration) }
            let now = Date()
            try log?.append(LossRecord(iteration: iteration, phase: phase, losses: losses, time: now.timeIntervalSince(started)))
            if let board {
                let images = Double((iteration - lastIteration) * schedule.imagesPerIteration)
                try board.scalars(iteration, losses: losses, learningRates: family.learningRates,
                                  imagesPerSecond: images / max(now.timeIntervalSince(lastTime), 1e-9))
                lastTime = now
                lastIteration = iteration
            }
            progress.update(iteration, family.headlineLosses.map { ($0, losses[$0] ?? 0) }, force: iteration == schedule.iterations)
            if writes, iteration % schedule.sampleEvery == 0 || iteration == schedule.iterations {
                try family.writeSamples(to: run.sample(iteration))
                try board?.image(iteration, png: run.sample(iteration))
            }
            if iteration % schedule.checkpointEvery == 0 { _ = try saveCheckpoint() }
        }
        progress.finish()
        let final: URL
        if parallel != nil, lastSaved == iteration, let lastCheckpoint {
            final = URL(fileURLWithPath: lastCheckpoint)
        } else if parallel == nil, let latest = TrainingCheckpoint.latest(run.root),
                  (try? TrainingCheckpoint.readState(latest, as: Family.Config.self).iteration) == iteration {
            final = latest
        } else {
            final = try saveCheckpoint()
        }
        if writes {
            try family.writeProduct(run, from: final, iteration: iteration)
            do {
                try LossCurves.plot(log: run.log, to: run.curves, keys: family.headlineLosses,
                                    title: "\(Family.kind) losses")
            } catch let e as Gnuplot.PlotError {
                hooks.log("warning: \(e) (losses.png skipped)")
            }
        }
        if writes, let parallel { hooks.log(parallel.summary) }
        try parallel?.barrier("the end of training")
        return .completed(iterations: iteration)
    }
}

/// Lets `run.json` hold any family's record.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Swift.Encoder) throws { try value.encode(to: encoder) }
}

/// Adam with the options every family takes from its config (BigGAN's betas and epsilon by default).
public enum TrainingOptimizers {
    public static func adam(_ module: Module, learningRate: Double, beta1: Double, beta2: Double, eps: Double) throws -> Adam {
        try Adam(module.parameters(), config: AdamConfig(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps))
    }
}
