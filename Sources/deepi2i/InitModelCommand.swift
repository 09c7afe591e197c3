import ArgumentParser
import Datasets
import DeepI2I
import Foundation

struct InitModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write a fresh, untrained (randomly initialised) model directory: a start for training, or a fixture for tests."
    )

    @Option(help: "Resolution (32, 64, 128, 256).") var resolution = 32
    @Option(help: "Channel width (G_ch = D_ch).") var channels = 16
    @Option(help: "Class names, comma-separated.") var classes: String
    @Option(help: "Seed of the initialisation.") var seed: UInt64 = 0
    @Option(help: "Output model directory.") var out: String
    @Flag(help: "Replace an existing output directory (only a model deepi2i wrote).") var overwrite = false

    func run() throws {
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
}
