import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest

/// The evaluation pipeline end to end on a tiny random model and real 32 px data: every metric,
/// the report files, determinism and independence from the batch size.
final class EvaluationTests: XCTestCase {
    func makeContext(batchSize: Int, dataset: PackedDataset, model: DeepI2IModel) throws -> EvaluationContext {
        let classifier = try ResNetClassifier(arch: .resnet18Small, classCount: 10, generator: RandomGenerator(seed: 3))
        classifier.eval()
        let config = ClassifierDirectory.Config(arch: .resnet18Small, classNames: dataset.manifest.classNames, resolution: 32,
                                                testAccuracy: nil, iterations: 0, seed: 3, dataset: "random")
        var options = EvaluationOptions()
        options.perClass = 3
        options.batchSize = batchSize
        options.seed = 11
        options.kidSubsets = 5
        options.fcIterations = 2
        options.fcBatchSize = 8
        return try EvaluationContext(model: model, dataset: dataset,
                                     extractor: ClassifierFeatures(classifier: classifier, resolution: 32, source: "random"),
                                     classifier: (classifier, config), options: options)
    }

    func testAllMetricsReportsAndDeterminism() throws {
        let dataset = try SmallAnimalMNIST.dataset(perClass: 40)
        let model = try DeepI2IModel(config: ModelConfig(resolution: 32, channels: 8, classCount: 10), seed: 5)
        model.eval()
        if let demo = ProcessInfo.processInfo.environment["DEEPI2I_EVAL_DEMO_DIR"] {  // for trying the CLI by hand
            try ModelDirectory.save(model, to: URL(fileURLWithPath: demo).appendingPathComponent("model"))
        }
        let context = try makeContext(batchSize: 2, dataset: dataset, model: model)
        let report = try Evaluation.run(context, metrics: Evaluation.defaultMetrics, modelDescription: "random tiny model")
        XCTAssertEqual(report.metrics.map(\.name), ["mFID", "mKID", "RC", "FC"])
        for metric in report.metrics {
            XCTAssertTrue(metric.value.isFinite, metric.name)
            XCTAssertEqual(metric.perClass?.count, 10, metric.name)
        }
        XCTAssertGreaterThan(report.metrics[0].value, 0)
        XCTAssertTrue((0...1).contains(report.metrics[2].value) && (0...1).contains(report.metrics[3].value))
        XCTAssertEqual(try context.translations().map(\.shape), Array(repeating: [3, 3, 32, 32], count: 10))

        // Same seed, different batch size: the same translations and metrics.
        let again = try makeContext(batchSize: 5, dataset: dataset, model: model)
        for (a, b) in zip(try context.translations(), try again.translations()) {
            XCTAssertLessThan(try (a - b).abs().max().item(), 1e-5)
        }
        let mfid = try Evaluation.run(again, metrics: ["mfid", "mkid"], modelDescription: "again").metrics
        XCTAssertEqual(mfid[0].value, report.metrics[0].value, accuracy: 1e-6 * report.metrics[0].value)
        XCTAssertEqual(mfid[1].value, report.metrics[1].value, accuracy: 1e-6 * abs(report.metrics[1].value) + 1e-9)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try Evaluation.write(report, to: dir)
        XCTAssertEqual(OutputFolder.kind(of: dir), .evaluation)
        // Written again over itself: replaced whole, nothing left beside it.
        try Evaluation.write(report, to: dir)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path).filter { $0.contains(dir.lastPathComponent) },
                       [dir.lastPathComponent])
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: dir.appendingPathComponent("metrics.json")))
        XCTAssertEqual(decoded.metrics, report.metrics)
        XCTAssertEqual(decoded.summary["RC"], report.metrics[2].value)
        XCTAssertTrue(try XCTUnwrap(decoded.featureExtractor).contains("classifier resnet18-small"))
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("Feature extractor: classifier resnet18-small"))
        XCTAssertTrue(markdown.contains("| zebra |"))
        XCTAssertTrue(markdown.contains("| Class | FID | KID"), markdown)
        if Gnuplot.executable != nil {
            XCTAssertTrue(written.contains { $0.lastPathComponent == "per-class-mfid.png" })
        }
    }

    func testMaskIoU() throws {
        // 2 pairs of 1x4 "images": identical masks, then masks sharing 1 of 3 foreground pixels.
        let a = try Tensor([Float](arrayLiteral: 1, 1, -1, -1, 1, 1, -1, -1), shape: [2, 1, 1, 4])
        let b = try Tensor([Float](arrayLiteral: 1, 1, -1, -1, -1, 1, 1, -1), shape: [2, 1, 1, 4])
        XCTAssertEqual(try MetricRegistry.maskIoU(a, b), (1 + 1.0 / 3) / 2, accuracy: 1e-6)
        let empty = try Tensor([Float](repeating: -1, count: 4), shape: [1, 1, 1, 4])
        XCTAssertEqual(try MetricRegistry.maskIoU(empty, empty), 1)
        // On a model: translations pair with their recorded inputs; the chance level is reported too.
        let dataset = try SmallAnimalMNIST.dataset(perClass: 40)
        let model = try DeepI2IModel(config: ModelConfig(resolution: 32, channels: 8, classCount: 10), seed: 5)
        model.eval()
        let context = try makeContext(batchSize: 4, dataset: dataset, model: model)
        let sources = try context.translationSources()
        XCTAssertEqual(sources.count, 10)
        for (target, indices) in sources.enumerated() {
            XCTAssertEqual(indices.count, 3)
            XCTAssertTrue(indices.allSatisfy { dataset.labels[$0] != target })
        }
        let report = try Evaluation.run(context, metrics: ["mask-iou"], modelDescription: "tiny")
        let result = report.metrics[0]
        XCTAssertEqual(result.name, "mask-IoU")
        XCTAssertTrue((0...1).contains(result.value))
        XCTAssertTrue((0...1).contains(try XCTUnwrap(result.extras["chance"])))
        // The per-class column keeps its full name (only the "m" of a mean such as mFID is dropped).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-maskiou-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Evaluation.write(report, to: dir)
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| Class | mask-IoU |"), markdown)
        XCTAssertFalse(markdown.replacingOccurrences(of: "mask-IoU", with: "").contains("ask-IoU"), markdown)
    }

    func testUnknownMetricsAndMissingClassifierAreTypedErrors() throws {
        XCTAssertThrowsError(try MetricRegistry.definition(named: "is")) { error in
            XCTAssertEqual(error as? EvaluationError, .unknownMetric("is", known: ["mfid", "mkid", "rc", "fc", "mask-iou"]))
        }
        let dataset = try SmallAnimalMNIST.dataset(perClass: 40)
        let model = try DeepI2IModel(config: ModelConfig(resolution: 32, channels: 8, classCount: 10), seed: 5)
        var options = EvaluationOptions()
        options.perClass = 2
        let context = try EvaluationContext(model: model, dataset: dataset, extractor: nil, options: options)
        XCTAssertThrowsError(try Evaluation.run(context, metrics: ["rc"], modelDescription: "m")) { XCTAssertTrue("\($0)".contains("--classifier")) }
        let wrong = try DeepI2IModel(config: ModelConfig(resolution: 32, channels: 8, classCount: 3), seed: 5)
        XCTAssertThrowsError(try EvaluationContext(model: wrong, dataset: dataset, extractor: nil, options: options)) {
            XCTAssertTrue("\($0)".contains("10 classes"), "\($0)")
        }
        // 1000 embedding rows for the dataset's 10 classes (--scratch's default, BigGAN transfer): accepted.
        var rows = try ModelConfig(resolution: 32, channels: 8, classCount: 1000)
        rows.classNames = dataset.manifest.classNames
        rows.classRows = Array(0..<10)
        XCTAssertNoThrow(try EvaluationContext(model: try DeepI2IModel(config: rows, seed: 5), dataset: dataset, extractor: nil, options: options))
        let wrongSize = try DeepI2IModel(config: ModelConfig(resolution: 64, channels: 8, classCount: 10), seed: 5)
        XCTAssertThrowsError(try EvaluationContext(model: wrongSize, dataset: dataset, extractor: nil, options: options)) {
            XCTAssertTrue("\($0)".contains("64 px"), "\($0)")
        }
    }
}
