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
        key names plus gan.json; samples, log.jsonl and losses.png go to GAN_DIR-samples/.
        """
    )

    @Option(help: "Packed dataset folder (the source domain).") var data: String?
    @Option(help: "Output GAN directory.") var out: String
    @Option(help: "Resolution (default: the dataset's).") var resolution: Int?
    @Option(help: "Channel width multiplier ch (BigGAN: 64 at 32x32, 96 at 128x128).") var channels = 64
    @Option(help: "Iterations in all (default 10000).") var iterations: Int?
    @Option var batch = 64
    @Option(name: .customLong("g-lr")) var gLR = 1e-4
    @Option(name: .customLong("d-lr")) var dLR = 4e-4
    @Option(help: "Adam epsilon (BigGAN: 1e-6 or 1e-8).") var adamEps = 1e-6
    @Option(help: "D steps per G step.") var dSteps = 1
    @Flag(help: "Keep an exponential moving average of G (written as G_ema).") var ema = false
    @Option var emaDecay = 0.999
    @Option var emaStart = 0
    @Option var seed: UInt64 = 0
    @Option var checkpointEvery = 1000
    @Option var sampleEvery = 500
    @Flag(help: "Replace an existing output directory (only a GAN deepi2i wrote).") var overwrite = false
    @Flag(help: "Continue the GAN in --out exactly where it stopped (its saved options are used; --iterations may raise the budget).")
    var resume = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        guard !(resume && overwrite) else { throw CommandFailure("--resume and --overwrite exclude each other") }
        try OutputFolder.check(outURL, as: .gan, inputs: [.init("--data", data)], overwrite: overwrite,
                               resume: resume, resumable: true)
        let config = resume ? try resumedConfig(outURL) : try freshConfig()
        let start = Date()
        switch try StopSignal.listening({ stop in try pretrainGAN(config: config, outDirectory: outURL, resume: resume, stop: stop) }) {
        case .completed(let n):
            print("trained to iteration \(n) in \(Int(Date().timeIntervalSince(start))) s; GAN written to \(out)")
        case .interrupted(let n, _):
            print("interrupted after \(n) iterations; GAN written to \(out) (continue with --resume)")
        }
    }

    func resumedConfig(_ outURL: URL) throws -> GANTrainingConfig {
        var config = try GANTrainingState.read(outURL).config
        if let iterations { config.iterations = iterations }
        return config
    }

    func freshConfig() throws -> GANTrainingConfig {
        guard let data else { throw CommandFailure("--data is required") }
        let dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        var config = GANTrainingConfig(data: data, resolution: resolution ?? dataset.resolution, channels: channels)
        config.iterations = iterations ?? 10_000
        config.batchSize = batch
        config.generatorLR = gLR
        config.discriminatorLR = dLR
        config.adamEps = adamEps
        config.discriminatorSteps = dSteps
        config.ema = ema
        config.emaDecay = emaDecay
        config.emaStart = emaStart
        config.seed = seed
        config.checkpointEvery = checkpointEvery
        config.sampleEvery = sampleEvery
        return config
    }
}
