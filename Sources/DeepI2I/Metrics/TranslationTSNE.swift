import Datasets
import Foundation
import ImageIO
import Support
import Torch

/// The paper's Appendix H: many images translated into one target class, embedded in 2-D by t-SNE
/// (after PCA) of the translations, each point labelled with its input's class. Writes the coordinates
/// (CSV and JSON), a scatter plot coloured by input class and a map of input|translation pairs placed at
/// their coordinates, as the paper's Figure 19.
public enum TranslationTSNE {
    public struct Options: Codable, Equatable, Sendable {
        public var target = 0
        public var count = 1000
        /// Which split the inputs come from; inputs of the target class are left out.
        public var split = "test"
        /// Seeds the choice of inputs and the noise z (t-SNE has its own seed).
        public var seed: UInt64 = 0
        public var batchSize = 50
        public var tsne = TSNE()
        public init() {}
    }

    public struct Point: Codable, Equatable, Sendable {
        /// Dataset index of the input image.
        public var input: Int
        public var inputClass: Int
        public var inputClassName: String
        public var x: Double
        public var y: Double
    }

    public struct Report: Codable, Sendable {
        public var model: String
        public var targetClass: String
        /// "pixels" (the paper: PCA of the generated images) or a feature extractor's name.
        public var features: String
        public var options: Options
        public var divergence: Double
        public var seconds: Double
        public var points: [Point]
    }

    static func split(_ name: String) throws -> PackedDataset.Split {
        switch name {
        case "test": return .test
        case "train": return .train
        case "all": return .all
        default: throw EvaluationError.invalidArgument("--split must be test, train or all, got '\(name)'")
        }
    }

    /// The inputs: `count` images of the split outside the target class, in a seeded order, cycled
    /// (with fresh z) when the split has fewer.
    public static func inputs(dataset: PackedDataset, options: Options) throws -> [Int] {
        guard (0..<dataset.classCount).contains(options.target) else {
            throw EvaluationError.invalidArgument("target class \(options.target) is outside 0..<\(dataset.classCount)")
        }
        guard options.count >= 4 else { throw EvaluationError.invalidArgument("--count must be at least 4") }
        var pool = dataset.indices(try split(options.split)).filter { dataset.labels[$0] != options.target }
        guard !pool.isEmpty else { throw EvaluationError.invalidArgument("the \(options.split) split has no images outside the target class") }
        var rng = SplitMix64(seed: options.seed, stream: 0x75AE)
        rng.shuffle(&pool)
        return (0..<options.count).map { pool[$0 % pool.count] }
    }

    /// Translates the inputs into the target class and embeds the translations (their pixels, or their
    /// features under `extractor`). Returns the report and the [N, 3, R, R] translations.
    public static func run(model: DeepI2IModel, dataset: PackedDataset, extractor: FeatureExtractor?, options: Options,
                           modelDescription: String, progress: (String) -> Void = { _ in }) throws -> (Report, Tensor) {
        let start = Date()
        let chosen = try inputs(dataset: dataset, options: options)
        try options.tsne.validate(points: chosen.count)
        model.eval()
        let z = try Tensor.randn([chosen.count, model.config.dimZ], generator: RandomGenerator(seed: options.seed &+ 0x75AE)).to(model.device)
        var parts: [Tensor] = []
        for s in stride(from: 0, to: chosen.count, by: max(1, options.batchSize)) {
            let e = min(chosen.count, s + max(1, options.batchSize))
            let x = try dataset.tensor(at: Array(chosen[s..<e]), device: model.device)
            parts.append(try withNoGrad {
                try model.translate(x, classes: Array(repeating: options.target, count: e - s), z: z.narrow(dim: 0, start: s, length: e - s)).detached()
            })
        }
        let translations = try Tensor.cat(parts).clamp(min: -1, max: 1)
        progress("translated \(chosen.count) images into '\(dataset.manifest.classNames[options.target])'")
        let points = try extractor.map { try $0.features(of: translations, batchSize: options.batchSize) } ?? translations
        let result = try options.tsne.embed(points) { it, kl in progress("t-SNE iteration \(it): KL \(String(format: "%.4f", kl))") }
        let xy = try result.embedding.contiguous().toArray(of: Double.self)
        let names = dataset.manifest.classNames
        let out = chosen.enumerated().map { i, index in
            Point(input: index, inputClass: dataset.labels[index], inputClassName: names[dataset.labels[index]],
                  x: xy[2 * i], y: xy[2 * i + 1])
        }
        let report = Report(model: modelDescription, targetClass: names[options.target], features: extractor?.name ?? "pixels",
                            options: options, divergence: result.divergence, seconds: Date().timeIntervalSince(start), points: out)
        return (report, translations)
    }

    public static func csv(_ points: [Point]) -> String {
        "input,input_class,input_class_name,x,y\n" + points.map {
            "\($0.input),\($0.inputClass),\($0.inputClassName.replacingOccurrences(of: ",", with: " ")),\($0.x),\($0.y)"
        }.joined(separator: "\n") + "\n"
    }

    /// Input|translation pairs (white-framed) drawn at their t-SNE coordinates on a `size` x `size`
    /// canvas, later points over earlier ones (the paper's Figure 19).
    public static func map(points: [Point], inputs: [RGBImage], translations: [RGBImage], size: Int = 1600) throws -> RGBImage {
        guard points.count == inputs.count, points.count == translations.count, let first = inputs.first else {
            throw EvaluationError.invalidArgument("t-SNE map: \(points.count) points, \(inputs.count) inputs, \(translations.count) translations")
        }
        let tileW = first.width * 2 + 3, tileH = first.height + 2
        guard size > tileW * 2 else { throw EvaluationError.invalidArgument("t-SNE map: canvas \(size) too small") }
        let xs = points.map(\.x), ys = points.map(\.y)
        let (x0, x1, y0, y1) = (xs.min() ?? 0, xs.max() ?? 1, ys.min() ?? 0, ys.max() ?? 1)
        var pixels = [UInt8](repeating: 235, count: size * size * 3)
        for (i, p) in points.enumerated() {
            let left = Int(((p.x - x0) / max(x1 - x0, 1e-12)) * Double(size - tileW))
            let top = Int(((y1 - p.y) / max(y1 - y0, 1e-12)) * Double(size - tileH))
            for y in 0..<tileH {
                for x in 0..<tileW {
                    var rgb: (UInt8, UInt8, UInt8) = (255, 255, 255)
                    let iy = y - 1
                    if iy >= 0, iy < first.height {
                        let image: RGBImage? = x >= 1 && x < 1 + first.width ? inputs[i]
                            : x >= 2 + first.width && x < 2 + 2 * first.width ? translations[i] : nil
                        if let image {
                            let ix = x >= 2 + first.width ? x - 2 - first.width : x - 1
                            let s = (iy * image.width + ix) * 3
                            rgb = (image.pixels[s], image.pixels[s + 1], image.pixels[s + 2])
                        }
                    }
                    let d = ((top + y) * size + left + x) * 3
                    pixels[d] = rgb.0
                    pixels[d + 1] = rgb.1
                    pixels[d + 2] = rgb.2
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: pixels)
    }
}
