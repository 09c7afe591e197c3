import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Support

/// `deepi2i pretrain-stylegan`: an unconditional StyleGAN (the transfer source of DeepI2I-StyleGAN)
/// trained at the dataset's resolution on the shared training driver.
struct PretrainStyleGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-stylegan",
        abstract: "Train an unconditional StyleGAN (a transfer source for DeepI2I-StyleGAN) on a packed dataset.",
        discussion: """
        rosinality's StyleGAN training at one fixed resolution (the dataset's): WGAN-GP or R1, Adam lr 1e-3 betas \
        (0, 0.99), the mapping network at lr x 0.01, g_running. OUT is a run folder (run.json, log.jsonl, \
        losses.png, TensorBoard events, samples/, checkpoints/; Ctrl-C or SIGTERM writes a checkpoint, --resume continues \
        exactly) whose model/ is a StyleGAN model directory for `train --from OUT`.
        """
    )

    static let defaults = StyleGANPretrainingConfig(data: StyleGANDomain(data: ""))
    @Option(help: "Packed dataset folder (the source domain).") var data: String?
    @Option(name: .customLong("class"), help: "Train on this class of the dataset only (default: every image).") var className: String?
    @Option(help: "Output run folder.") var out: String
    @Option(help: "Channel divisor: 1 is the official width; 8 or 16 fit a CPU (default \(defaults.channelDivisor)).") var channelDivisor: Int?
    @Option(help: "Mapping-network layers (default \(defaults.mappingLayers)).") var mappingLayers: Int?
    @Option(help: "Iterations in all (default \(defaults.iterations)).") var iterations: Int?
    @Option(help: "Images per step (default \(defaults.batchSize)).") var batch: Int?
    @Option(help: "Adam epsilon (default \(defaults.optimization.adamEps)).") var adamEps: Double?
    @OptionGroup var optimization: StyleGANOptimizationOptions
    @Option(help: "(default \(defaults.seed))") var seed: UInt64?
    @Option(help: "(default \(defaults.checkpointEvery))") var checkpointEvery: Int?
    @Option(help: "Checkpoints kept (default \(defaults.keepCheckpoints)).") var keep: Int?
    @Option(help: "(default \(defaults.sampleEvery))") var sampleEvery: Int?
    @Flag(help: "Print the resolved configuration as JSON and exit without training.") var printConfig = false
    @OptionGroup var device: DeviceOptions
    @Flag(help: "Replace an existing run folder (only a training run deepi2i wrote); the old one is removed once the new one has finished.")
    var overwrite = false
    @Flag(help: "Continue the run in --out exactly where it stopped (its saved options are used; --iterations may raise the budget).")
    var resume = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        guard !(resume && overwrite) else { throw CommandFailure("--resume and --overwrite exclude each other") }
        let plan = try OutputFolder.check(outURL, as: .trainingRun, inputs: [.init("--data", data)],
                                          overwrite: overwrite, resume: resume, resumable: true)
        let device = try self.device.resolved()
        var config: StyleGANPretrainingConfig
        if resume {
            config = try TrainingCheckpoint.savedConfig(outURL, as: StyleGANPretrainingConfig.self)
            if let iterations { config.iterations = iterations }
        } else {
            config = try freshConfig()
            if printConfig {
                print(String(decoding: try JSONFile.encode(config), as: UTF8.self))
                return
            }
        }
        try TrainingRunner.run(at: outURL, plan: plan, out: out,
                               completed: { n, s in "trained StyleGAN to iteration \(n) in \(s) s; source model in \(outURL.appendingPathComponent("model").path)" },
                               interrupted: { n, checkpoint in "interrupted after \(n) iterations; checkpoint \(checkpoint) (continue with --resume)" }) { stop in
            try pretrainStyleGAN(config: config, outDirectory: outURL, resume: resume, device: device, stop: stop)
        }
    }

    func freshConfig() throws -> StyleGANPretrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        var c = StyleGANPretrainingConfig(data: StyleGANDomain(data: data, className: className))
        func set<T>(_ value: T?, _ key: WritableKeyPath<StyleGANPretrainingConfig, T>) { if let value { c[keyPath: key] = value } }
        set(channelDivisor, \.channelDivisor)
        set(mappingLayers, \.mappingLayers)
        set(iterations, \.iterations)
        set(batch, \.batchSize)
        try optimization.apply(to: &c.optimization)
        if let adamEps { c.optimization.adamEps = adamEps }
        set(optimization.gRunningDecay, \.gRunningDecay)
        set(seed, \.seed)
        set(checkpointEvery, \.checkpointEvery)
        set(keep, \.keepCheckpoints)
        set(sampleEvery, \.sampleEvery)
        try c.validate()
        return c
    }
}
