import ArgumentParser
import DeepI2I
import Datasets
import Foundation

struct PretrainGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-gan",
        abstract: "Train a class-conditional BigGAN (the source GAN for transfer) on a packed dataset.",
        discussion: """
        Writes GAN_DIR/G.safetensors, D.safetensors (and G_ema.safetensors with --ema) with BigGAN-PyTorch's \
        key names plus gan.json. GAN_DIR is a run folder like train's: run.json, log.jsonl, losses.png, \
        TensorBoard events, samples/ and checkpoints/ (Ctrl-C or SIGTERM writes one; --resume continues exactly from the newest).
        """
    )

    @Option(help: "Packed dataset folder (the source domain).") var data: String?
    @Option(help: "Output GAN directory.") var out: String
    @Option(help: "Resolution (default: the dataset's).") var resolution: Int?
    @Option(help: "Channel width multiplier ch (BigGAN: 64 at 32x32, 96 at 128x128).") var channels = 64
    // Unset options keep GANTrainingConfig's defaults (BigGAN-PyTorch's); the help shows them.
    static let defaults = GANTrainingConfig(data: "", resolution: 32, channels: 64)
    @Option(help: "Iterations in all (default \(defaults.iterations)).") var iterations: Int?
    @Option(help: "Images per D step (default \(defaults.batchSize)).") var batch: Int?
    @Option(name: .customLong("g-lr"), help: "(default \(defaults.generatorLR))") var gLR: Double?
    @Option(name: .customLong("d-lr"), help: "(default \(defaults.discriminatorLR))") var dLR: Double?
    @Option(help: "Adam epsilon, BigGAN: 1e-6 or 1e-8 (default \(defaults.adamEps)).") var adamEps: Double?
    @Option(help: "D steps per G step (default \(defaults.discriminatorSteps)).") var dSteps: Int?
    @Flag(help: "Keep an exponential moving average of G (written as G_ema).") var ema = false
    @Option(help: "(default \(defaults.emaDecay))") var emaDecay: Double?
    @Option(help: "(default \(defaults.emaStart))") var emaStart: Int?
    @Option(help: "(default \(defaults.seed))") var seed: UInt64?
    @Option(help: "(default \(defaults.checkpointEvery))") var checkpointEvery: Int?
    @Option(help: "Checkpoints kept (default \(defaults.keepCheckpoints)).") var keep: Int?
    @Option(help: "(default \(defaults.sampleEvery))") var sampleEvery: Int?
    @OptionGroup var device: DeviceOptions
    @OptionGroup var precision: PrecisionOptions
    @Flag(help: "Replace an existing output directory (only a GAN deepi2i wrote); the old one is removed once the new one has finished.") var overwrite = false
    @Flag(help: "Continue the GAN in --out exactly where it stopped (its saved options are used; --iterations may raise the budget).")
    var resume = false
    @OptionGroup(title: "Data parallel") var distributed: DistributedOptions

    func run() throws {
        if distributed.launches {
            let status = try Launcher.run(processes: distributed.nprocPerNode ?? 1)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let outURL = URL(fileURLWithPath: out)
        guard !(resume && overwrite) else { throw CommandFailure("--resume and --overwrite exclude each other") }
        var device = try self.device.resolved()
        // Data parallel: rank 0 checks and owns the output folder; the others wait for its verdict.
        let parallel = try distributed.join(device: &device)
        let leader = parallel?.isWriter ?? true
        let plan = !leader ? nil : try OutputFolder.check(outURL, as: .gan, alsoAccepting: [.trainingRun], inputs: [.init("--data", data)],
                                                          overwrite: overwrite, resume: resume, resumable: true)
        try parallel?.group.barrier(operation: "waiting for rank 0's check of --out")
        let config = resume ? try resumedConfig(outURL) : try freshConfig()
        try TrainingRunner.run(at: outURL, plan: plan, out: out, kind: "GAN", leader: leader,
                               completed: { n, s in "trained to iteration \(n) in \(s) s; GAN written to \(out)" },
                               interrupted: { n, checkpoint in "interrupted after \(n) iterations; checkpoint \(checkpoint) (continue with --resume)" }) { stop in
            try pretrainGAN(config: config, outDirectory: outURL, resume: resume, device: device, stop: stop, parallel: parallel)
        }
    }

    func resumedConfig(_ outURL: URL) throws -> GANTrainingConfig {
        var config = try TrainingCheckpoint.savedConfig(outURL, as: GANTrainingConfig.self)
        if let iterations { config.iterations = iterations }
        try precision.check(resuming: config.precision)
        return config
    }

    func freshConfig() throws -> GANTrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        let dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        var config = GANTrainingConfig(data: data, resolution: resolution ?? dataset.resolution, channels: channels)
        func set<T>(_ value: T?, _ key: WritableKeyPath<GANTrainingConfig, T>) { if let value { config[keyPath: key] = value } }
        set(iterations, \.iterations)
        set(batch, \.batchSize)
        set(gLR, \.generatorLR)
        set(dLR, \.discriminatorLR)
        set(adamEps, \.adamEps)
        set(dSteps, \.discriminatorSteps)
        config.ema = ema
        set(emaDecay, \.emaDecay)
        set(emaStart, \.emaStart)
        set(seed, \.seed)
        set(checkpointEvery, \.checkpointEvery)
        set(keep, \.keepCheckpoints)
        set(sampleEvery, \.sampleEvery)
        config.precision = try precision.parsed()
        return config
    }
}
