import ArgumentParser
import Datasets
import Foundation

/// Minimal `prepare --builtin` (packs the built-in grey datasets offline); the lead may replace it.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Pack a built-in dataset (animal-mnist, fashion-mnist, mnist) into a packed dataset folder."
    )

    @Option(help: "Built-in dataset: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")).") var builtin: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Image resolution.") var resolution = 128
    @Option(help: "Keep the first N images of each class.") var perClass: Int?
    @Option(help: "Seed of the train/test split.") var seed: UInt64 = 0
    @Flag(help: "Replace an existing output folder.") var overwrite = false

    func run() throws {
        guard let dataset = BuiltinDataset(rawValue: builtin) else {
            throw CommandFailure("unknown built-in dataset '\(builtin)' (known: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let summary = try BuiltinDatasets.pack(dataset, resolution: resolution, out: URL(fileURLWithPath: out), seed: seed,
                                               perClassLimit: perClass, overwrite: overwrite, log: { printError($0) })
        print("packed \(summary.imageCount) images (train \(summary.trainCount), test \(summary.testCount)) of \(summary.classNames.count) classes at \(resolution)x\(resolution) into \(out)")
    }
}
