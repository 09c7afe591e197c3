import ArgumentParser
import Datasets
import DeepI2I
import Foundation
import ImageIO
import Support
import Torch

/// `deepi2i tsne`: the paper's Appendix H, a t-SNE map of many translations into one class.
struct TSNECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "Translate many images into one class and embed the translations in 2-D with t-SNE (paper, Appendix H).",
        discussion: """
        As the paper: PCA of the translated images, then exact t-SNE. Writes tsne.json (options, KL divergence, \
        points), tsne.csv (input index, input class, x, y), tsne.png (points coloured by the input's class) and \
        tsne-map.png (input|translation pairs at their coordinates, as the paper's Figure 19) to --out.
        """
    )

    @Option(help: "Model directory.") var model: String
    @Option(help: "Packed dataset folder (inputs and class names).") var data: String
    @Option(help: "Target class: a name or an index.") var target: String
    @Option(help: "Number of translations.") var count = 1000
    @Option(help: "Inputs from: test, train or all (inputs of the target class are left out).") var split = "test"
    @Option(help: "Embed pixels (the paper: PCA of the generated images) or features: pixels, \(FeatureKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var features = "pixels"
    @Option(help: "Classifier directory (for --features classifier).") var classifier: String?
    @Option(help: "t-SNE perplexity.") var perplexity = 30.0
    @Option(help: "t-SNE iterations.") var iterations = 1000
    @Option(help: "Dimensions kept by PCA before t-SNE (0: none).") var pca = 50
    @Option(help: "Seed of the inputs' order, z and t-SNE's start.") var seed: UInt64 = 0
    @Option(help: "Output folder.") var out = "tsne"
    @Flag(help: "Replace the files of an earlier tsne run in --out.") var overwrite = false
    @OptionGroup var weights: FeatureWeightOptions

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let json = outURL.appendingPathComponent("tsne.json")
        if FileManager.default.fileExists(atPath: json.path), !overwrite {
            throw CommandFailure("\(json.path) exists (use --overwrite to replace it)")
        }
        if FileManager.default.fileExists(atPath: outURL.path),
           let contents = try? FileManager.default.contentsOfDirectory(atPath: outURL.path),
           contents.contains(where: { !["tsne.json", "tsne.csv", "tsne.png", "tsne-map.png"].contains($0) }) {
            throw CommandFailure("\(out) holds other files; give an empty or new folder")
        }
        do { try embed(outURL) } catch { throw CommandFailure("tsne: \(describe(error))") }
    }

    func embed(_ outURL: URL) throws {
        let device = try weights.parsedDevice()
        let dataset = try PackedDataset(at: URL(fileURLWithPath: data))
        let names = dataset.manifest.classNames
        guard let targetIndex = names.firstIndex(of: target) ?? Int(target).flatMap({ names.indices.contains($0) ? $0 : nil }) else {
            throw ValidationError("--target '\(target)' is neither a class name (\(names.joined(separator: ", "))) nor an index below \(names.count)")
        }
        var extractor: FeatureExtractor?
        if features != "pixels" {
            guard let kind = FeatureKind(rawValue: features) else {
                throw ValidationError("--features must be pixels or one of \(FeatureKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            extractor = try weights.extractor(kind, classifierDir: classifier, device: device)
        }
        let (deepi2i, _) = try ModelDirectory.load(URL(fileURLWithPath: model), networks: .translation, device: device)
        var options = TranslationTSNE.Options()
        options.target = targetIndex
        options.count = count
        options.split = split
        options.seed = seed
        options.tsne.perplexity = perplexity
        options.tsne.iterations = iterations
        options.tsne.pcaDimensions = pca
        options.tsne.seed = seed
        let (report, translations) = try TranslationTSNE.run(model: deepi2i, dataset: dataset, extractor: extractor, options: options,
                                                             modelDescription: model, progress: { printError("[tsne] \($0)") })
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        try JSONFile.write(report, to: outURL.appendingPathComponent("tsne.json"), atomically: true)
        try Data(TranslationTSNE.csv(report.points).utf8).write(to: outURL.appendingPathComponent("tsne.csv"), options: .atomic)
        let series = names.indices.compactMap { c -> Gnuplot.Series? in
            let pts = report.points.filter { $0.inputClass == c }.map { (x: $0.x, y: $0.y) }
            return pts.isEmpty ? nil : Gnuplot.Series(title: names[c], points: pts)
        }
        do {
            try Gnuplot.scatter(series, title: "t-SNE of \(count) translations into '\(names[targetIndex])' (\(report.features)), by input class",
                                to: outURL.appendingPathComponent("tsne.png"))
        } catch {
            printError("no scatter plot: \(error)")
        }
        let inputs = report.points.map { dataset.image(at: $0.input) }
        let map = try TranslationTSNE.map(points: report.points, inputs: inputs, translations: ImageTensors.images(from: translations))
        try Data(try ImageEncoder.png(map)).write(to: outURL.appendingPathComponent("tsne-map.png"), options: .atomic)
        print("t-SNE of \(count) translations into '\(names[targetIndex])': KL \(String(format: "%.4f", report.divergence)), \(Int(report.seconds)) s; wrote \(outURL.path)/tsne.{json,csv,png}, tsne-map.png")
    }
}
