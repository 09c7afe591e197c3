import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import Torch

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Translate test images into every class and score them: mFID, mKID, RC, FC.",
        discussion: """
        mFID/mKID: per target class, FID/KID between the translations into that class and the real test \
        images of that class, averaged. RC: accuracy on the translations of a classifier trained on real \
        images (--classifier). FC: accuracy on real test images of a classifier trained on the translations. \
        Writes metrics.json, report.md and per-class bar charts to --out. \
        A StyleGAN model translates into one target domain (--target, a dataset class; default the domain the \
        model records) from the test images of its input domain (--input; default the one the model records, else every other class): mFID/mKID are \
        then its FID/KID, RC and mask-IoU apply, FC (which needs two target classes) does not.
        """
    )

    @Option(help: "Model directory (config.json + weights).") var model: String
    @Option(help: "Packed dataset folder; its test split is used.") var data: String
    @Option(help: "Translations per target class.") var perClass = 50
    @Option(help: "StyleGAN: the dataset class (name or index) that is the model's target domain.") var target: String?
    @Option(help: "StyleGAN: the dataset class (name or index) whose test images are translated, the model's input domain (default: the one the model records, else every class but the target).")
    var input: String?
    @Option(help: "Feature extractor for FID/KID: \(FeatureKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var features: FeatureKind = .efficientnetLite0
    @Option(help: "Classifier directory (deepi2i train-classifier): RC, and --features classifier.") var classifier: String?
    @Option(help: "Comma-separated metrics (\(MetricRegistry.names.joined(separator: ", "))); default all, rc only with --classifier.")
    var metrics: String?
    @Option(help: "Random seed (translation sources, z, KID subsets, FC training; default \(EvaluationOptions().seed)).") var seed: UInt64?
    @Option(help: "Output folder.") var out = "evaluation"
    @Flag(help: "Replace an existing output folder (only an evaluation deepi2i wrote).") var overwrite = false
    @Option(help: "Batch size for translation and feature extraction (default \(EvaluationOptions().batchSize)).") var batch: Int?
    /// The name this option had before `--batch` was used by every command.
    @Option(name: .customLong("batch-size"), help: .hidden) var batchSizeAlias: Int?
    @Option(help: "KID subsets (default \(EvaluationOptions().kidSubsets)).") var kidSubsets: Int?
    @Option(help: "KID subset size, clamped to the smaller set (default \(EvaluationOptions().kidSubsetSize)).") var kidSubsetSize: Int?
    @Option(help: "FC classifier training steps (default \(EvaluationOptions().fcIterations)).") var fcIterations: Int?
    @Option(help: "FC classifier architecture (default \(EvaluationOptions().fcArch.rawValue)).") var fcArch: ClassifierArch?
    @OptionGroup var weights: FeatureWeightOptions

    func run() throws {
        try OutputFolder.check(URL(fileURLWithPath: out), as: .evaluation, inputs: [
            .init("--model", model), .init("--data", data), .init("--classifier", classifier),
        ], overwrite: overwrite)
        do { try evaluate() } catch {
            throw CommandFailure("evaluate: \(describe(error))")
        }
    }

    func evaluate() throws {
        let device = try weights.parsedDevice()
        let family = try ModelFamily.of(directory: URL(fileURLWithPath: model))
        var names = metrics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
            ?? Evaluation.defaultMetrics.filter { ($0 != "rc" || classifier != nil) && ($0 != "fc" || family != ModelFamily.stylegan) }
        names = names.filter { !$0.isEmpty }
        let definitions = try names.map(MetricRegistry.definition(named:))
        if definitions.contains(where: \.needsClassifier), classifier == nil {
            throw ValidationError("metric rc needs --classifier DIR (train one with `deepi2i train-classifier`)")
        }

        printError("loading model \(model)")
        let dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        let loadedClassifier = try classifier.map { try ClassifierDirectory.load(URL(fileURLWithPath: $0), device: device) }
        var extractor: FeatureExtractor?
        if definitions.contains(where: \.needsFeatures) {
            extractor = try weights.extractor(features, classifierDir: classifier, device: device)
            printError("features: \(extractor?.name ?? "")")
        }
        var options = EvaluationOptions()
        options.perClass = perClass
        if let seed { options.seed = seed }
        if let batch = batch ?? batchSizeAlias { options.batchSize = batch }
        if let kidSubsets { options.kidSubsets = kidSubsets }
        if let kidSubsetSize { options.kidSubsetSize = kidSubsetSize }
        if let fcIterations { options.fcIterations = fcIterations }
        if let fcArch { options.fcArch = fcArch }
        let context: EvaluationContext
        var description = model
        if family == ModelFamily.stylegan {
            let translator = try StyleGANTranslator.load(URL(fileURLWithPath: model), device: device)
            let classNames = dataset.manifest.classNames
            guard let targetText = target ?? (classNames.contains(translator.targetName) ? translator.targetName : nil) else {
                throw ValidationError("this StyleGAN model records no target domain among the dataset's classes (\(classNames.joined(separator: ", "))): name it with --target")
            }
            func datasetClass(_ text: String, option: String) throws -> Int {
                guard let index = Int(text).flatMap({ classNames.indices.contains($0) ? $0 : nil })
                    ?? classNames.firstIndex(where: { $0.lowercased() == text.lowercased() }) else {
                    throw ValidationError("\(option) '\(text)' is not a class of the dataset (\(classNames.joined(separator: ", ")))")
                }
                return index
            }
            let targetClass = try datasetClass(targetText, option: "--target")
            // The input domain: --input, else the one the model records when the dataset has that class.
            let recordedInput = translator.inputName.flatMap { name in classNames.contains(name) ? name : nil }
            let inputClass = try (input ?? recordedInput).map { try datasetClass($0, option: "--input") }
            if inputClass == targetClass {
                throw ValidationError("--input and --target are the same class ('\(classNames[targetClass])')")
            }
            // Noise maps from their own seeded stream: the result is a function of --seed.
            let noise = try RandomGenerator(seed: options.seed &+ 0x5347)
            let evaluated = EvaluatedTranslator(resolution: translator.resolution, zDim: translator.config.codeDim,
                                                device: translator.device) { x, _, z in
                try translator.translate(x, z: z, noise: noise)
            }
            context = try EvaluationContext(translator: evaluated, targets: [targetClass], sources: inputClass.map { [$0] },
                                            dataset: dataset, extractor: extractor, classifier: loadedClassifier,
                                            options: options, progress: { printError("[evaluate] \($0)") })
            if let inputClass { description += " (inputs: test images of '\(classNames[inputClass])')" }
        } else {
            guard target == nil, input == nil else {
                throw ValidationError("--target and --input are for a one-domain StyleGAN model; a BigGAN model is evaluated on every class")
            }
            let (deepi2i, _) = try ModelDirectory.load(URL(fileURLWithPath: model), networks: .translation, device: device)
            context = try EvaluationContext(model: deepi2i, dataset: dataset, extractor: extractor, classifier: loadedClassifier,
                                            options: options, progress: { printError("[evaluate] \($0)") })
        }
        let report = try Evaluation.run(context, metrics: names, modelDescription: description)
        let written = try Evaluation.write(report, to: URL(fileURLWithPath: out), log: printError)
        for metric in report.metrics { print("\(metric.name): \(String(format: "%.5f", metric.value))") }
        print("features: \(report.featureExtractor ?? "none")")
        printError("wrote \(written.map(\.path).joined(separator: ", "))")
    }
}
