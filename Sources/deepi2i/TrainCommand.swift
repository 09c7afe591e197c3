import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Support

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train DeepI2I on a packed dataset by transfer from a GAN, from a model, or from scratch.",
        discussion: """
        Phase 1 trains A and D (G, E frozen); phase 2 trains G, A and D (E frozen). Defaults are the paper's. \
        RUN_DIR gets run.json, log.jsonl, samples/, checkpoints/, model/ and losses.png. Ctrl-C (or SIGTERM) writes a \
        checkpoint; --resume continues exactly from the newest one.
        """
    )

    @Option(help: "Packed dataset folder (the target domain).") var data: String?
    @Option(help: "Source GAN directory (pretrain-gan output or BigGAN-PyTorch checkpoints as safetensors).") var from: String?
    @Option(help: "Start from a DeepI2I model directory.") var fromModel: String?
    @Flag(help: "Train every network from random initialisation.") var scratch = false
    @Option(help: "Run directory.") var out: String
    @Flag(help: "Continue the run in --out from its newest checkpoint (other options but --iterations are taken from it).")
    var resume = false
    @Flag(help: "Replace an existing run in --out (only a training run deepi2i wrote); the old run is removed once the new one has finished.")
    var overwrite = false

    // Unset options keep TrainingConfig's defaults (the paper's); the help shows them.
    static let defaults = TrainingConfig(data: "", initialisation: .scratch(channels: 64))
    @Option(help: "Iterations in all (default \(defaults.iterations)).") var iterations: Int?
    @Option(help: "Phase-1 iterations, G frozen (default \(defaults.phase1Iterations)).") var phase1Iterations: Int?
    @Option(help: "Images per optimizer step (default \(defaults.batchSize)).") var batch: Int?
    @Option(help: "Micro-batches per step, gradient accumulation (default \(defaults.accumulate)).") var accumulate: Int?
    @Option(name: .customLong("g-lr"), help: "(default \(defaults.generatorLR))") var gLR: Double?
    @Option(name: .customLong("d-lr"), help: "(default \(defaults.discriminatorLR))") var dLR: Double?
    @Option(name: .customLong("a-lr"), help: "(default \(defaults.adaptorLR))") var aLR: Double?
    @Option(name: .customLong("e-lr"), help: "(default \(defaults.encoderLR))") var eLR: Double?
    @Option(help: "(default \(defaults.adamEps))") var adamEps: Double?
    @Option(help: "Reconstruction distance: mse (official code) or l1 (paper) (default \(defaults.reconstructionDistance.rawValue)).") var recDistance: String?
    @Option(help: "Weight of the feature reconstruction loss, lambda_rec (default \(defaults.reconstructionWeight)).") var recWeight: Double?
    @Option(help: "Weight of the adversarial loss, lambda_adv (default \(defaults.adversarialWeight)).") var advWeight: Double?
    @Option(help: "Active fusion levels (widths), e.g. 32,16,8,4.") var levels: String?
    @Option(help: "Use only the deepest N fusion levels.") var encoderLevels: Int?
    @Option(help: "Bottleneck depth: the encoder stops after N downsampling blocks and fuses at every level down to R/2^N (2: StarGAN-like; default: full depth).")
    var bottleneckDownsamplings: Int?
    @Option(help: "Fusion weights: one number for every active level, or WIDTH:W pairs like 8:1,4:1 (default: the official \(FusionWeights.official) for transfer, 1 / \(FusionWeights.official) at width 32 for scratch).")
    var fusionWeights: String?
    @Flag(help: "No adaptor: encoder features are added to the generator directly (with a frozen encoder there is no phase 1: nothing would train on G's side).") var noAdaptor = false
    @Option(help: "Networks transferred from the GAN (any of G,D,E, or none); the rest random.") var transfer = "G,D,E"
    @Option(help: "Channel width for --scratch (official: 96).") var channels = 96
    @Option(help: "Train on only the first N training images of each class (data-scarcity studies).") var trainPerClass: Int?
    @Flag(help: "Reproduce the official G loss exactly: its reconstruction term compares rows 0 and 1 of D's features (the first two translations of each micro-batch, on rank 0 under data parallel) instead of each translation with its own input.")
    var officialReconPairing = false
    @Option(help: "D's real images: independent (official: a second, separately shuffled loader with its own labels) or inputs (the images being translated) (default \(defaults.discriminatorReals?.rawValue ?? "inputs")).")
    var dReals: String?
    @Option(help: "Fresh adaptor's init under transfer: pytorch (official: PyTorch's default conv init) or orthogonal (default \(defaults.adaptorInitialisation?.rawValue ?? "orthogonal")).")
    var adaptorInit: String?
    @Flag(help: "Print the resolved training configuration as JSON and exit without training.") var printConfig = false
    @Option(help: "(default \(defaults.seed))") var seed: UInt64?
    @Option(help: "(default \(defaults.checkpointEvery))") var checkpointEvery: Int?
    @Option(help: "Checkpoints kept (default \(defaults.keepCheckpoints)).") var keep: Int?
    @Option(help: "(default \(defaults.sampleEvery))") var sampleEvery: Int?
    @Option(help: "(default \(defaults.sampleRows))") var sampleRows: Int?
    @OptionGroup var device: DeviceOptions
    @OptionGroup(title: "Data parallel") var distributed: DistributedOptions
    @OptionGroup var precision: PrecisionOptions
    @OptionGroup(title: "StyleGAN family") var stylegan: StyleGANTrainOptions

    func run() throws {
        if distributed.launches {
            let status = try Launcher.run(processes: distributed.nprocPerNode ?? 1)
            if status != 0 { throw ExitCode(status) }
            return
        }
        // DeepI2I-StyleGAN when the source, model or run is a StyleGAN one (or --family stylegan).
        if try runsStyleGAN() { return try runStyleGAN() }
        var device = try self.device.resolved()
        let runURL = URL(fileURLWithPath: out)
        guard !(resume && overwrite) else { throw CommandFailure("--resume and --overwrite exclude each other") }
        // Data parallel: rank 0 checks and owns the run folder; the others wait for its verdict.
        let parallel = printConfig ? nil : try distributed.join(device: &device)
        let leader = parallel?.isWriter ?? true
        let plan = !leader ? nil : try OutputFolder.check(runURL, as: .trainingRun, inputs: [
            .init("--data", data), .init("--from", from), .init("--from-model", fromModel),
        ], overwrite: overwrite, resume: resume, resumable: true)
        try parallel?.group.barrier(operation: "waiting for rank 0's check of --out")
        var config: TrainingConfig
        if resume {
            config = try TrainingCheckpoint.savedConfig(runURL, as: TrainingConfig.self)
            if let iterations { config.iterations = iterations }
            try precision.check(resuming: config.precision)
        } else {
            config = try makeConfig()
            if printConfig {
                print(String(decoding: try JSONFile.encode(config), as: UTF8.self))
                return
            }
        }
        try TrainingRunner.run(at: runURL, plan: plan, out: out, leader: leader,
                               completed: { n, s in "trained to iteration \(n) in \(s) s; model in \(runURL.appendingPathComponent("model").path)" },
                               interrupted: { n, checkpoint in "interrupted at iteration \(n); checkpoint \(checkpoint) (continue with --resume)" }) { stop in
            try trainDeepI2I(config: config, runDirectory: runURL, resume: resume, device: device, stop: stop, parallel: parallel)
        }
    }

    func makeConfig() throws -> TrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        let sources = [from != nil, fromModel != nil, scratch].filter { $0 }.count
        guard sources == 1 else { throw CommandFailure("give exactly one of --from GAN_DIR, --from-model MODEL_DIR, --scratch") }
        let initialisation: Initialisation
        if let from {
            // "none": the source GAN's architecture with every network random (the partial-transfer ablation's baseline).
            let names = transfer.lowercased() == "none" ? []
                : Set(transfer.uppercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if let bad = names.first(where: { !["G", "D", "E"].contains($0) }) {
                throw CommandFailure("--transfer: unknown network '\(bad)' (use G, D, E)")
            }
            initialisation = .transfer(ganDirectory: from, parts: TransferParts(
                generator: names.contains("G"), discriminator: names.contains("D"), encoder: names.contains("E")))
        } else if let fromModel {
            initialisation = .model(directory: fromModel)
        } else {
            initialisation = .scratch(channels: channels)
        }
        var c = TrainingConfig(data: data, initialisation: initialisation)
        func set<T>(_ value: T?, _ key: WritableKeyPath<TrainingConfig, T>) { if let value { c[keyPath: key] = value } }
        set(iterations, \.iterations)
        set(phase1Iterations, \.phase1Iterations)
        set(batch, \.batchSize)
        set(accumulate, \.accumulate)
        set(gLR, \.generatorLR)
        set(dLR, \.discriminatorLR)
        set(aLR, \.adaptorLR)
        set(eLR, \.encoderLR)
        set(adamEps, \.adamEps)
        if let recDistance {
            guard let distance = ReconstructionDistance(rawValue: recDistance) else {
                throw CommandFailure("--rec-distance must be mse or l1")
            }
            c.reconstructionDistance = distance
        }
        set(recWeight, \.reconstructionWeight)
        set(advWeight, \.adversarialWeight)
        if officialReconPairing { c.officialReconPairing = true }
        if let dReals {
            guard let reals = DiscriminatorReals(rawValue: dReals) else { throw CommandFailure("--d-reals must be independent or inputs") }
            c.discriminatorReals = reals
        }
        if let adaptorInit {
            guard let initialisation = AdaptorInitialisation(rawValue: adaptorInit) else {
                throw CommandFailure("--adaptor-init must be pytorch or orthogonal")
            }
            c.adaptorInitialisation = initialisation
        }
        if let levels {
            let parsed = levels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw CommandFailure("--levels: expected widths like 32,16,8,4") }
            c.levels = parsed.compactMap { $0 }
        }
        c.encoderLevels = encoderLevels
        c.bottleneckDownsamplings = bottleneckDownsamplings
        if let fusionWeights { c.fusionWeights = try FusionWeights(parsing: fusionWeights) }
        if noAdaptor { c.fusionMode = .direct }
        c.trainImagesPerClass = trainPerClass
        set(seed, \.seed)
        set(checkpointEvery, \.checkpointEvery)
        set(keep, \.keepCheckpoints)
        set(sampleEvery, \.sampleEvery)
        set(sampleRows, \.sampleRows)
        c.precision = try precision.parsed()
        try c.validate()
        return c
    }
}
