import ArgumentParser
import DeepI2I
import Foundation
import Torch

struct BenchFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-features",
        abstract: "Measure feature-extraction throughput (images/s) of each extractor.",
        discussion: "Uses pretrained weights where found, random weights otherwise (throughput does not depend on them)."
    )

    @Option(help: "Batch size.") var batch = 16
    @Option(help: "Timed batches per extractor (after one warm-up batch).") var batches = 3
    @Option(help: "Input resolution of the synthetic images.") var resolution = 32
    @Option(help: "Comma-separated extractors (inception, efficientnet-lite0, classifier).")
    var extractors = "efficientnet-lite0,inception,classifier"
    @OptionGroup var weights: FeatureWeightOptions

    func run() throws {
        let device = try weights.parsedDevice()
        let images = try (Tensor.rand([batch, 3, resolution, resolution], generator: RandomGenerator(seed: 0)) * 2 - 1).to(device)
        print("libtorch \(Torch.version), \(Torch.threadCount) threads, device \(device), batch \(batch), \(resolution) px input")
        for name in extractors.split(separator: ",").map(String.init) {
            guard let kind = FeatureKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown extractor '\(name)'")
            }
            let extractor: FeatureExtractor
            do {
                switch kind {
                case .classifier:
                    let model = try ResNetClassifier(arch: .resnet18Small, classCount: 10)
                    try model.to(device)
                    extractor = ClassifierFeatures(classifier: model, resolution: resolution, source: "random weights")
                default:
                    do { extractor = try weights.extractor(kind, classifierDir: nil, device: device) } catch let error as EvaluationError {
                        printError("\(kind.rawValue): \(error) -- using random weights")
                        let model: Module & FeatureExtractor = kind == .inception ? try InceptionV3FID() : try EfficientNetLite0()
                        try model.to(device)
                        extractor = model
                    }
                }
                _ = try extractor.features(of: images, batchSize: batch)  // warm-up
                try Torch.synchronize(device)
                let start = Date()
                for _ in 0..<batches { _ = try extractor.features(of: images, batchSize: batch) }
                try Torch.synchronize(device)
                let seconds = Date().timeIntervalSince(start)
                print("\(kind.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", Double(batch * batches) / seconds)) images/s  (\(extractor.dimension)-d; \(extractor.name))")
            } catch {
                throw CommandFailure("bench-features \(kind.rawValue): \(describe(error))")
            }
        }
    }
}
