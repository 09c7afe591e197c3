import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Torch

struct InitModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write a fresh, untrained (randomly initialised) model directory: a start for training, or a fixture for tests."
    )

    @Option(help: "Model family: biggan or stylegan.") var family = ModelFamily.biggan
    @Option(help: "Resolution (BigGAN: 32, 64, 128, 256; StyleGAN: 32, 64, ..., 1024).") var resolution = 32
    @Option(help: "Channel width (G_ch = D_ch; BigGAN).") var channels = 16
    @Option(help: "StyleGAN: every official channel count divided by this (1, 2, 4, 8, 16).") var channelDivisor = 1
    @Option(help: "Class names, comma-separated (BigGAN); a StyleGAN model's one target domain name.") var classes: String?
    @Option(help: "Seed of the initialisation.") var seed: UInt64 = 0
    @Option(help: "Output model directory.") var out: String
    @Flag(help: "Replace an existing output directory (only a model deepi2i wrote).") var overwrite = false

    func run() throws {
        if family == ModelFamily.stylegan { return try runStyleGAN() }
        guard family == ModelFamily.biggan else { throw CommandFailure("--family must be biggan or stylegan, not '\(family)'") }
        guard let classes else { throw CommandFailure("--classes is required for a BigGAN model") }
        let names = classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CommandFailure("--classes needs at least one name") }
        guard Set(names.map { $0.lowercased() }).count == names.count else {
            throw CommandFailure("--classes has duplicate names")
        }
        var config = try ModelConfig(resolution: resolution, channels: channels, classCount: names.count)
        config.classNames = names
        let model = try DeepI2IModel(config: config, seed: seed)
        let dir = URL(fileURLWithPath: out)
        try OutputFolder.check(dir, as: .model, overwrite: overwrite)
        do {
            try ModelDirectory.save(model, to: dir, provenance: ["source": "deepi2i init-model (random, untrained)", "seed": String(seed)])
        } catch {
            throw CommandFailure("cannot write model directory \(dir.path): \(CommandSupport.reason(error))")
        }
        print("wrote untrained \(resolution)px ch\(channels) model with \(names.count) classes to \(dir.path)")
    }

    /// A fresh StyleGAN model (G, D, E and A random) with one target domain.
    private func runStyleGAN() throws {
        let step = try StyleGANConfig.step(forResolution: resolution)
        guard resolution >= StyleGANTranslator.minimumResolution else {
            throw CommandFailure("a StyleGAN translation model needs --resolution \(StyleGANTranslator.minimumResolution) or more (A fuses E's features from half the input width down), got \(resolution)")
        }
        let target = classes?.trimmingCharacters(in: .whitespaces)
        if let target, target.contains(",") {
            throw CommandFailure("a StyleGAN model has one target domain; --classes takes one name, got '\(target)'")
        }
        let config = try StyleGANConfig(step: step, channelDivisor: channelDivisor)
        let model = try StyleGANModel(config: config, generator: RandomGenerator(seed: seed))
        let dir = URL(fileURLWithPath: out)
        try OutputFolder.check(dir, as: .model, overwrite: overwrite)
        do {
            try StyleGANModelDirectory.save(model, to: dir, provenance: ["source": "deepi2i init-model (random, untrained)", "seed": String(seed)],
                                            target: target.flatMap { $0.isEmpty ? nil : $0 })
        } catch {
            throw CommandFailure("cannot write model directory \(dir.path): \(CommandSupport.reason(error))")
        }
        print("wrote untrained StyleGAN \(resolution)px model (channels / \(channelDivisor)) to \(dir.path)")
    }
}
