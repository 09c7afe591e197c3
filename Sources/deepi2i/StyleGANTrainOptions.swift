import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Support
import Torch

/// The StyleGAN half of `deepi2i train`: the options only DeepI2I-StyleGAN takes, the dispatch by the
/// model family of the source / model / run, and the run itself (the official DeepI2I_StyleGAN/train.py
/// on the shared training driver).

/// Options shared by `train` (StyleGAN family) and `pretrain-stylegan`; unset ones keep the official values.
struct StyleGANOptimizationOptions: ParsableArguments {
    static let defaults = StyleGANOptimization()
    @Option(help: "StyleGAN loss: wgan-gp (official default) or r1.") var loss: String?
    @Option(help: "StyleGAN learning rate of G, D, E and A (default \(defaults.learningRate)).") var lr: Double?
    @Option(help: "StyleGAN mapping-network learning-rate multiplier (default \(defaults.mappingLRMultiplier)).") var mappingLrMult: Double?
    @Flag(help: "StyleGAN style mixing: with probability 0.9 two z and a random crossover (official --mixing).") var mixing = false
    @Flag(help: "StyleGAN: no random horizontal flip of the training images.") var noFlip = false
    @Option(help: "StyleGAN g_running decay (train: 0, a copy, as the official DeepI2I; pretrain-stylegan: 0.999, rosinality's).")
    var gRunningDecay: Double?

    func apply(to o: inout StyleGANOptimization) throws {
        if let loss {
            guard let kind = StyleGANLossKind(rawValue: loss) else { throw CommandFailure("--loss must be wgan-gp or r1, not '\(loss)'") }
            o.loss = kind
        }
        if let lr { o.learningRate = lr }
        if let mappingLrMult { o.mappingLRMultiplier = mappingLrMult }
        if mixing { o.mixing = true }
        if noFlip { o.horizontalFlip = false }
    }

    var isSet: Bool { loss != nil || lr != nil || mappingLrMult != nil || mixing || noFlip || gRunningDecay != nil }
}

/// `train` options of the StyleGAN family.
struct StyleGANTrainOptions: ParsableArguments {
    @Option(help: "Model family: biggan or stylegan (needed with --scratch; otherwise read from --from / --from-model / the run).")
    var family: String?
    @Option(help: "StyleGAN: class of --data that is the target domain (the reals D sees; default: every image).") var targetClass: String?
    @Option(help: "StyleGAN: packed dataset of the input domain (default: --data).") var inputData: String?
    @Option(help: "StyleGAN: class of the input data that is translated.") var inputClass: String?
    @Option(help: "StyleGAN --scratch: channel divisor (1 is official; 8 or 16 fit a CPU).") var channelDivisor = 1
    @Option(help: "StyleGAN --scratch: mapping-network layers.") var mappingLayers = 8
    @OptionGroup var optimization: StyleGANOptimizationOptions

    var isSet: Bool { targetClass != nil || inputData != nil || inputClass != nil || optimization.isSet }
}

extension TrainCommand {
    /// Whether this run is DeepI2I-StyleGAN: the family the run's checkpoints, --from or --from-model
    /// record, else --family; a --family that contradicts what was found is an error.
    func runsStyleGAN() throws -> Bool {
        let requested = stylegan.family
        if let requested, !["biggan", "stylegan"].contains(requested) {
            throw CommandFailure("--family must be biggan or stylegan, not '\(requested)'")
        }
        var found: (family: String, what: String)?
        if resume {
            if let latest = TrainingCheckpoint.latest(URL(fileURLWithPath: out)) {
                found = (TrainingCheckpoint.familyName(latest) == StyleGANTraining.kind ? "stylegan" : "biggan", "the run \(out)")
            }
        } else if let path = from ?? fromModel {
            found = Self.family(ofDirectory: URL(fileURLWithPath: path)).map { ($0, path) }
        }
        if let found, let requested, found.family != requested {
            throw CommandFailure("--family \(requested), but \(found.what) is a \(found.family) \(resume ? "run" : "model")")
        }
        let stylegan = (found?.family ?? requested ?? "biggan") == "stylegan"
        if !stylegan, self.stylegan.isSet {
            throw CommandFailure("the StyleGAN options (--target-class, --input-class, --input-data, --loss, --lr, --mixing, ...) need a StyleGAN source, model or --family stylegan")
        }
        return stylegan
    }

    /// The family a model / GAN directory (or a run folder holding `model/`) records; nil if neither.
    static func family(ofDirectory dir: URL) -> String? {
        for candidate in [dir, dir.appendingPathComponent("model")] {
            if let data = FileManager.default.contents(atPath: candidate.appendingPathComponent("config.json").path) {
                return ModelFamily.of(configData: data)
            }
        }
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("gan.json").path) ? "biggan" : nil
    }

    func runStyleGAN() throws {
        let device = try self.device.resolved()
        let runURL = URL(fileURLWithPath: out)
        guard !(resume && overwrite) else { throw CommandFailure("--resume and --overwrite exclude each other") }
        let plan = try OutputFolder.check(runURL, as: .trainingRun, inputs: [
            .init("--data", data), .init("--input-data", stylegan.inputData), .init("--from", from), .init("--from-model", fromModel),
        ], overwrite: overwrite, resume: resume, resumable: true)
        var config: StyleGANTrainingConfig
        if resume {
            config = try TrainingCheckpoint.savedConfig(runURL, as: StyleGANTrainingConfig.self)
            if let iterations { config.iterations = iterations }
        } else {
            config = try makeStyleGANConfig()
            if printConfig {
                print(String(decoding: try JSONFile.encode(config), as: UTF8.self))
                return
            }
        }
        try TrainingRunner.run(at: runURL, plan: plan, out: out,
                               completed: { n, s in "trained DeepI2I-StyleGAN to iteration \(n) in \(s) s; model in \(runURL.appendingPathComponent("model").path)" },
                               interrupted: { n, checkpoint in "interrupted at iteration \(n); checkpoint \(checkpoint) (continue with --resume)" }) { stop in
            try trainStyleGAN(config: config, runDirectory: runURL, resume: resume, device: device, stop: stop)
        }
    }

    func makeStyleGANConfig() throws -> StyleGANTrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        let sources = [from != nil, fromModel != nil, scratch].filter { $0 }.count
        guard sources == 1 else { throw CommandFailure("give exactly one of --from SOURCE, --from-model MODEL_DIR, --scratch") }
        // BigGAN-only options would silently do nothing here.
        let bigGANOnly: [(String, Bool)] = [
            ("--g-lr", gLR != nil), ("--d-lr", dLR != nil), ("--a-lr", aLR != nil), ("--e-lr", eLR != nil),
            ("--accumulate", accumulate != nil), ("--rec-distance", recDistance != nil), ("--rec-weight", recWeight != nil),
            ("--adv-weight", advWeight != nil), ("--levels", levels != nil), ("--encoder-levels", encoderLevels != nil),
            ("--fusion-weights", fusionWeights != nil), ("--no-adaptor", noAdaptor), ("--transfer", transfer != "G,D,E"),
            ("--train-per-class", trainPerClass != nil), ("--official-recon-pairing", officialReconPairing),
            ("--d-reals", dReals != nil), ("--adaptor-init", adaptorInit != nil),
        ]
        if let (flag, _) = bigGANOnly.first(where: { $0.1 }) {
            throw CommandFailure("\(flag) is a BigGAN DeepI2I option; the StyleGAN family uses --lr, --loss, --mixing, ... (see --help)")
        }
        guard let inputClass = stylegan.inputClass else {
            throw CommandFailure("--input-class is required for StyleGAN training (the input domain; --target-class names the target)")
        }
        let start: StyleGANStart
        if let from { start = .transfer(source: from) } else if let fromModel { start = .model(directory: fromModel) } else {
            start = .scratch(channelDivisor: stylegan.channelDivisor, mappingLayers: stylegan.mappingLayers)
        }
        var c = StyleGANTrainingConfig(target: StyleGANDomain(data: data, className: stylegan.targetClass),
                                       input: StyleGANDomain(data: stylegan.inputData ?? data, className: inputClass),
                                       start: start)
        try stylegan.optimization.apply(to: &c.optimization)
        if let adamEps { c.optimization.adamEps = adamEps }
        func set<T>(_ value: T?, _ key: WritableKeyPath<StyleGANTrainingConfig, T>) { if let value { c[keyPath: key] = value } }
        set(stylegan.optimization.gRunningDecay, \.gRunningDecay)
        set(iterations, \.iterations)
        set(phase1Iterations, \.generatorFreezeIterations)
        set(batch, \.batchSize)
        set(seed, \.seed)
        set(checkpointEvery, \.checkpointEvery)
        set(keep, \.keepCheckpoints)
        set(sampleEvery, \.sampleEvery)
        set(sampleRows, \.sampleRows)
        try c.validate()
        return c
    }
}
