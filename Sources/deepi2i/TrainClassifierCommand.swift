import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Torch
import Support

struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier",
        abstract: "Train a ResNet classifier on a dataset's real training images (for RC and classifier features).",
        discussion: "SGD with momentum, cosine decay, random horizontal flips; reports test accuracy and saves classifier.json + weights.safetensors."
    )

    @Option(help: "Packed dataset folder.") var data: String
    @Option(help: "Architecture: \(ClassifierArch.allCases.map(\.rawValue).joined(separator: ", ")).") var arch: ClassifierArch = .resnet18Small
    @Option(help: "Output classifier directory.") var out: String
    @Flag(help: "Replace an existing output directory (only a classifier deepi2i wrote).") var overwrite = false
    @Option(help: "Training steps.") var iterations = 2000
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Peak learning rate.") var lr = 0.05
    @Option(help: "Random seed (initialisation, batches, flips).") var seed: UInt64 = 0
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        guard iterations > 0, batch > 0, lr > 0 else { throw ValidationError("--iterations, --batch and --lr must be positive") }
        try OutputFolder.check(URL(fileURLWithPath: out), as: .classifier, inputs: [.init("--data", data)], overwrite: overwrite)
        let device = try deviceOptions.resolved()
        do { try train(device) } catch { throw CommandFailure("train-classifier: \(describe(error))") }
    }

    func train(_ device: Device) throws {
        let dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        let loader = try DataLoader(dataset: dataset, split: .train, batchSize: batch, seed: seed)
        let model = try ResNetClassifier(arch: arch, classCount: dataset.classCount, generator: RandomGenerator(seed: seed))
        try model.to(device)
        printError("training \(arch.rawValue) (\(model.parameterCount) parameters) on \(dataset.indices(.train).count) images, \(dataset.classCount) classes, \(dataset.resolution) px")
        var rng = SplitMix64(seed: seed, stream: 7)
        let trainer = ClassifierTrainer(iterations: iterations, learningRate: lr, seed: seed)
        let start = Date()
        try trainer.train(model, batch: { _ in
            try ImageTensors.tensor(from: loader.randomBatch(count: batch, using: &rng), device: device)
        }, progress: { step, loss in
            printError("[train-classifier] step \(step + 1)/\(iterations) loss \(String(format: "%.4f", loss)) (\(String(format: "%.0f", Date().timeIntervalSince(start))) s)")
        })
        let testIndices = dataset.indices(.test)
        var accuracy: Double?
        if !testIndices.isEmpty {
            let images = try dataset.tensor(at: testIndices, device: device)
            let labels = try Tensor(testIndices.map { Int64(dataset.labels[$0]) }, device: device)
            accuracy = try ClassifierTrainer.accuracy(model, images: images, labels: labels)
        }
        let config = ClassifierDirectory.Config(arch: arch, classNames: dataset.manifest.classNames, resolution: dataset.resolution,
                                                testAccuracy: accuracy, iterations: iterations, seed: seed, dataset: data)
        try ClassifierDirectory.save(model, config: config, to: URL(fileURLWithPath: out))
        print("test accuracy: \(accuracy.map { String(format: "%.4f", $0) } ?? "n/a (no test split)") on \(testIndices.count) images")
        print("saved \(out)")
    }
}
