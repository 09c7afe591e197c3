import ArgumentParser
import Datasets
import DeepI2I
import Foundation

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Pack an ImageFolder tree (SRC/<class>/*.png|jpg) or a built-in dataset into a training dataset.",
        discussion: """
        Images are converted to RGB, centre-cropped on the long side, resized with an antialiased filter and
        stored as uint8 with labels, class names, a seeded 90/10 train/test split per class, and a manifest
        with counts and content hashes. Files that cannot be used are skipped, each with its reason.
        Built-in datasets (installed through pip/apt when missing): animal-mnist, fashion-mnist, mnist.
        """
    )

    @Argument(help: "Source folder with one sub-folder per class (omit with --builtin).") var source: String?
    @Option(help: "Built-in dataset: animal-mnist, fashion-mnist or mnist.") var builtin: String?
    // .unconditional: "--resolution -5" reaches validate() (a negative number is not taken for an option).
    @Option(parsing: .unconditional, help: "Output resolution (square).") var resolution = 128
    @Option(help: "Output dataset folder.") var out: String
    @Option(help: "Seed of the train/test split.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Keep at most this many images per class.") var perClass: Int?
    @Option(parsing: .unconditional, help: "Skip images whose shorter side is below this.") var minSide = 8
    @Option(parsing: .unconditional, help: "Refuse images with more pixels than this (decompression bombs).") var maxPixels = 64_000_000
    @Flag(help: "Replace an existing output folder (only a dataset deepi2i packed).") var overwrite = false

    func validate() throws {
        guard (source == nil) != (builtin == nil) else {
            throw ValidationError("give either a source folder or --builtin NAME")
        }
        guard resolution > 0 else { throw ValidationError("--resolution must be positive, got \(resolution)") }
        guard [32, 64, 128, 256].contains(resolution) else {
            throw ValidationError("--resolution must be 32, 64, 128 or 256 (the model's resolutions), got \(resolution)")
        }
        if let perClass, perClass < 1 { throw ValidationError("--per-class must be at least 1") }
        guard minSide >= 1 else { throw ValidationError("--min-side must be positive, got \(minSide)") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be positive, got \(maxPixels)") }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try OutputFolder.check(outURL, as: .dataset, inputs: [.init("SRC", source)], overwrite: overwrite)
        var bar: ProgressBar?
        let progress: (Int, Int) -> Void = { done, total in
            if bar == nil { bar = ProgressBar(total: total, label: "packing", unit: "img") }
            bar?.update(done)
        }
        let summary: PackSummary
        if let builtin {
            guard let dataset = BuiltinDataset(rawValue: builtin) else {
                throw ValidationError("unknown built-in dataset '\(builtin)' (available: \(BuiltinDataset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            summary = try BuiltinDatasets.pack(dataset, resolution: resolution, out: outURL, seed: seed, perClassLimit: perClass,
                                               overwrite: true, log: { printError($0) }, progress: progress)
        } else {
            // overwrite: true because the check above has decided (an empty folder is replaced too);
            // the writer itself replaces only a deepi2i dataset.
            let options = PackOptions(minimumSide: minSide, maxPixels: maxPixels, perClassLimit: perClass, overwrite: true)
            summary = try DatasetPacker.packImageFolder(src: URL(fileURLWithPath: source ?? "."), resolution: resolution,
                                                        out: outURL, seed: seed, options: options, progress: progress)
        }
        bar?.finish()
        print("packed \(summary.imageCount) images of \(summary.classNames.count) classes into \(summary.destination) (train \(summary.trainCount), test \(summary.testCount))")
        for (name, count) in zip(summary.classNames, summary.classCounts) { print("  \(name): \(count)") }
        for line in SkippedFile.report(summary.skipped, rest: "manifest.json") { print(line) }
        for warning in summary.warnings { print("warning: \(warning)") }
    }
}

struct BenchLoaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-loader",
        abstract: "Measure data loader throughput (images/s), raw batches and with tensor conversion."
    )

    @Option(help: "A packed dataset (default: a synthetic one).") var data: String?
    @Option(help: "Batch size.") var batch = 32
    @Option(help: "Epochs.") var epochs = 3

    func run() throws {
        let dataset: PackedDataset
        if let data {
            dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        } else {
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-bench-loader")
            dataset = try LoaderBenchmark.makeSyntheticDataset(at: tmp, count: 2000, resolution: 64)
        }
        for prefetch in [0, 2] {
            print(try LoaderBenchmark.run(dataset: dataset, batchSize: batch, epochs: epochs, prefetch: prefetch))
            let withTensors = try LoaderBenchmark.run(dataset: dataset, batchSize: batch, epochs: epochs, prefetch: prefetch) { b in
                _ = try? ImageTensors.tensor(from: b)
            }
            print("\(withTensors) (with conversion to float NCHW tensors)")
        }
    }
}
