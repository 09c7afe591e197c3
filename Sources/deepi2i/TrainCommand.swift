import ArgumentParser
import DeepI2I
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train DeepI2I on a packed dataset by transfer from a GAN, from a model, or from scratch.",
        discussion: """
        Phase 1 trains A and D (G, E frozen); phase 2 trains G, A and D (E frozen). Defaults are the paper's. \
        RUN_DIR gets run.json, log.jsonl, samples/, checkpoints/, model/ and losses.png. Ctrl-C writes a \
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

    @Option var iterations: Int?
    @Option var phase1Iterations = 500
    @Option(help: "Images per optimizer step.") var batch = 32
    @Option(help: "Micro-batches per step (gradient accumulation; official: 8 micro-batches of 4).") var accumulate = 8
    @Option(name: .customLong("g-lr")) var gLR = 1e-4
    @Option(name: .customLong("d-lr")) var dLR = 4e-4
    @Option(name: .customLong("a-lr")) var aLR = 4e-4
    @Option(name: .customLong("e-lr")) var eLR = 4e-4
    @Option var adamEps = 1e-6
    @Option(help: "Reconstruction distance: mse (official code) or l1 (paper).") var recDistance = "mse"
    @Option(help: "Weight of the feature reconstruction loss, lambda_rec (paper: 1).") var recWeight = 1.0
    @Option(help: "Weight of the adversarial loss, lambda_adv (paper: 1).") var advWeight = 1.0
    @Option(help: "Active fusion levels (widths), e.g. 32,16,8,4.") var levels: String?
    @Option(help: "Use only the deepest N fusion levels.") var encoderLevels: Int?
    @Option(help: "Fusion weights: one number for every active level, or WIDTH:W pairs like 8:1,4:1 (default: the official 0.1 for transfer, 1 / 0.1 at width 32 for scratch).")
    var fusionWeights: String?
    @Flag(help: "No adaptor: encoder features are added to the generator directly.") var noAdaptor = false
    @Option(help: "Networks transferred from the GAN (any of G,D,E); the rest random.") var transfer = "G,D,E"
    @Option(help: "Channel width for --scratch (official: 96).") var channels = 96
    @Option(help: "Train on only the first N training images of each class (data-scarcity studies).") var trainPerClass: Int?
    @Flag(help: "Reproduce the official G loss exactly: its reconstruction term compares rows 0 and 1 of D's features (the first two translations) instead of each translation with its own input.")
    var officialReconPairing = false
    @Option(help: "D's real images: independent (official: a second, separately shuffled loader with its own labels) or inputs (the images being translated).")
    var dReals = DiscriminatorReals.independent.rawValue
    @Option(help: "Fresh adaptor's init under transfer: pytorch (official: PyTorch's default conv init) or orthogonal.")
    var adaptorInit = AdaptorInitialisation.pytorch.rawValue
    @Flag(help: "Print the resolved training configuration as JSON and exit without training.") var printConfig = false
    @Option var seed: UInt64 = 0
    @Option var checkpointEvery = 1000
    @Option(help: "Checkpoints kept.") var keep = 3
    @Option var sampleEvery = 500
    @Option var sampleRows = 8

    func run() throws {
        let runURL = URL(fileURLWithPath: out)
        var config: TrainingConfig
        if resume {
            guard let latest = TrainingCheckpoint.latest(runURL) else { throw CommandFailure("\(out) has no checkpoint to resume") }
            config = try TrainingCheckpoint.readState(latest).config
            if let iterations { config.iterations = iterations }
        } else {
            config = try makeConfig()
            if printConfig {
                let json = JSONEncoder()
                json.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try json.encode(config), as: UTF8.self))
                return
            }
            if FileManager.default.fileExists(atPath: runURL.appendingPathComponent("run.json").path) {
                throw CommandFailure("\(out) already holds a run (use --resume, or another --out)")
            }
        }
        let start = Date()
        switch try StopSignal.listening({ stop in try trainDeepI2I(config: config, runDirectory: runURL, resume: resume, stop: stop) }) {
        case .completed(let n):
            print("trained to iteration \(n) in \(Int(Date().timeIntervalSince(start))) s; model in \(runURL.appendingPathComponent("model").path)")
        case .interrupted(let n, let checkpoint):
            print("interrupted at iteration \(n); checkpoint \(checkpoint) (continue with --resume)")
        }
    }

    /// "0.5" (every active level) or "8:1,4:0.5".
    static func parseFusionWeights(_ text: String) throws -> [String: Double] {
        let usage = "--fusion-weights: expected a number or WIDTH:WEIGHT pairs like 8:1,4:1, got '\(text)'"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let all = Double(trimmed) {
            guard all.isFinite, all >= 0 else { throw CommandFailure("--fusion-weights must be >= 0, got \(trimmed)") }
            return [TrainingConfig.allFusionLevels: all]
        }
        var weights: [String: Double] = [:]
        for pair in trimmed.split(separator: ",") {
            let parts = pair.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let width = Int(parts[0]), width > 0, let w = Double(parts[1]) else { throw CommandFailure(usage) }
            weights[String(width)] = w
        }
        guard !weights.isEmpty else { throw CommandFailure(usage) }
        return weights
    }

    func makeConfig() throws -> TrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        let sources = [from != nil, fromModel != nil, scratch].filter { $0 }.count
        guard sources == 1 else { throw CommandFailure("give exactly one of --from GAN_DIR, --from-model MODEL_DIR, --scratch") }
        let initialisation: Initialisation
        if let from {
            let names = Set(transfer.uppercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
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
        if let iterations { c.iterations = iterations }
        c.phase1Iterations = phase1Iterations
        c.batchSize = batch
        c.accumulate = accumulate
        c.generatorLR = gLR
        c.discriminatorLR = dLR
        c.adaptorLR = aLR
        c.encoderLR = eLR
        c.adamEps = adamEps
        guard let distance = ReconstructionDistance(rawValue: recDistance) else {
            throw CommandFailure("--rec-distance must be mse or l1")
        }
        c.reconstructionDistance = distance
        c.reconstructionWeight = recWeight
        c.officialReconPairing = officialReconPairing
        guard let reals = DiscriminatorReals(rawValue: dReals) else { throw CommandFailure("--d-reals must be independent or inputs") }
        c.discriminatorReals = reals
        guard let ainit = AdaptorInitialisation(rawValue: adaptorInit) else {
            throw CommandFailure("--adaptor-init must be pytorch or orthogonal")
        }
        c.adaptorInitialisation = ainit
        c.adversarialWeight = advWeight
        if let levels {
            let parsed = levels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { throw CommandFailure("--levels: expected widths like 32,16,8,4") }
            c.levels = parsed.compactMap { $0 }
        }
        c.encoderLevels = encoderLevels
        if let fusionWeights { c.fusionWeights = try Self.parseFusionWeights(fusionWeights) }
        c.fusionMode = noAdaptor ? .direct : .adaptor
        c.trainImagesPerClass = trainPerClass
        c.seed = seed
        c.checkpointEvery = checkpointEvery
        c.keepCheckpoints = keep
        c.sampleEvery = sampleEvery
        c.sampleRows = sampleRows
        try c.validate()
        return c
    }
}
