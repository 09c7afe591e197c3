import Datasets
import DeepI2I
import Foundation
import ImageIO
import Torch
import XCTest

/// Inference with a DeepI2I-StyleGAN model on a tiny random one (128 px, channels / 16): sample counts and
/// sizes, seeds, truncation by the mean style, morphs whose ends are the plain translations, and the
/// one-domain evaluation (FID/KID, RC, mask-IoU; FC refused).
final class StyleGANTranslatorTests: XCTestCase {
    static func tinyTranslator(seed: UInt64 = 3) throws -> StyleGANTranslator {
        let config = try StyleGANConfig(step: 5, channelDivisor: 16)
        let model = try StyleGANModel(config: config, generator: RandomGenerator(seed: seed))
        // Noise strengths start at zero officially; give them weight so that the noise maps matter here.
        try withNoGrad {
            for (name, p) in model.generator.namedParameters() where name.contains("noise") {
                try p.copy_(from: Tensor.full(p.shape, 0.3))
            }
        }
        return try StyleGANTranslator(model: model, targetName: "dog")
    }

    static func image(_ shade: UInt8) -> RGBImage {
        var image = RGBImage(width: 128, height: 128, red: 200, green: 120, blue: shade)
        for i in stride(from: 0, to: image.pixels.count, by: 5) { image.pixels[i] = UInt8((i / 5 + Int(shade)) % 251) }
        return image
    }

    func testSamplesSeedsAndTruncation() throws {
        let t = try Self.tinyTranslator()
        let a = Self.image(0), b = Self.image(90)
        let out = try t.translate([a, b], samples: 3, seed: 7, batchSize: 4)
        XCTAssertEqual(out.map(\.count), [3, 3])
        XCTAssertTrue(out.joined().allSatisfy { $0.width == 128 && $0.height == 128 })
        // Same seed, same images (also with another batch size and alone); sample k does not depend on the
        // count (up to float rounding of other batch shapes: at most a step of the 8-bit output).
        XCTAssertTrue(try t.translate([a, b], samples: 3, seed: 7, batchSize: 32) == out)
        let alone = try t.translate([b], samples: 2, seed: 7)[0]
        for k in 0..<2 { XCTAssertLessThanOrEqual(maxDifference(alone[k], out[1][k]), 2) }
        // Different z, different images; different inputs, different images; a different seed, different images.
        XCTAssertGreaterThan(maxDifference(out[0][0], out[0][1]), 20)
        XCTAssertGreaterThan(maxDifference(out[0][1], out[0][2]), 20)
        XCTAssertGreaterThan(maxDifference(out[0][0], out[1][0]), 20)
        XCTAssertGreaterThan(maxDifference(try t.translate([a], samples: 1, seed: 8)[0][0], out[0][0]), 20)
        // Truncation 0: every sample is the mean style (the noise maps are the seed's, shared by all samples).
        let zero = try t.translate([a], samples: 3, seed: 7, truncation: 0)[0]
        XCTAssertEqual(maxDifference(zero[0], zero[1]), 0)
        XCTAssertEqual(maxDifference(zero[0], zero[2]), 0)
        XCTAssertGreaterThan(maxDifference(zero[0], out[0][0]), 20)
        // Truncation 1 is no truncation; 0.5 is not.
        let one = try t.translate([a], samples: 3, seed: 7, truncation: 1)[0]
        for k in 0..<3 { XCTAssertLessThanOrEqual(maxDifference(one[k], out[0][k]), 2) }
        XCTAssertGreaterThan(maxDifference(try t.translate([a], samples: 1, seed: 7, truncation: 0.5)[0][0], out[0][0]), 20)
        XCTAssertThrowsError(try t.translate([a], samples: 0, seed: 7))
        XCTAssertThrowsError(try t.translate([RGBImage(width: 64, height: 64, red: 0, green: 0, blue: 0)], samples: 1, seed: 7)) {
            XCTAssertTrue("\($0)".contains("128"), "\($0)")
        }
    }

    func testMeanStyleIsTheMeanOfMappedZ() throws {
        let t = try Self.tinyTranslator()
        let mean = try t.meanStyle()
        XCTAssertEqual(mean.shape, [1, t.config.codeDim])
        // Official: the mean of style(z) over 10 x 1024 draws; recompute it with the same draws.
        let rng = try RandomGenerator(seed: StyleGANTranslator.meanStyleSeed)
        let z = try Tensor.cat((0..<10).map { _ in try Tensor.randn([1024, t.config.codeDim], generator: rng) }, dim: 0)
        let expected = try withNoGrad { try t.model.generator.mapStyle(z).mean(dims: [0], keepDim: true) }
        XCTAssertLessThan(try (mean - expected).abs().max().item(), 1e-5)
    }

    func testMorphEndsAreThePlainTranslations() throws {
        let t = try Self.tinyTranslator()
        let a = Self.image(0), b = Self.image(90)
        let plain = try t.translate([a, b], samples: 3, seed: 5, truncation: 0.7)
        let styles = try t.morph(a, fromSample: 0, toSample: 2, steps: 5, seed: 5, truncation: 0.7, batchSize: 2)
        XCTAssertEqual(styles.count, 5)
        XCTAssertLessThanOrEqual(maxDifference(styles[0], plain[0][0]), 1)
        XCTAssertLessThanOrEqual(maxDifference(styles[4], plain[0][2]), 1)
        XCTAssertGreaterThan(maxDifference(styles[2], styles[0]), 0)
        XCTAssertGreaterThan(maxDifference(styles[2], styles[4]), 0)
        let inputs = try t.morph(from: a, to: b, sample: 1, steps: 4, seed: 5, truncation: 0.7, batchSize: 3)
        XCTAssertEqual(inputs.count, 4)
        XCTAssertLessThanOrEqual(maxDifference(inputs[0], plain[0][1]), 1)
        XCTAssertLessThanOrEqual(maxDifference(inputs[3], plain[1][1]), 1)
        XCTAssertGreaterThan(maxDifference(inputs[1], inputs[0]), 0)
        XCTAssertThrowsError(try t.morph(a, fromSample: 0, toSample: 1, steps: 1, seed: 0))
        XCTAssertThrowsError(try t.morph(a, fromSample: -1, toSample: 1, steps: 3, seed: 0))
    }

    func testModelDirectoryRoundTripKeepsTheTarget() throws {
        let t = try Self.tinyTranslator()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-sg-translator-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try StyleGANModelDirectory.save(t.model, to: dir, target: "dog")
        XCTAssertEqual(try ModelFamily.of(directory: dir), ModelFamily.stylegan)
        let loaded = try StyleGANTranslator.load(dir)
        XCTAssertEqual(loaded.targetName, "dog")
        XCTAssertTrue(try loaded.translate([Self.image(3)], samples: 2, seed: 1) == t.translate([Self.image(3)], samples: 2, seed: 1))
        // A StyleGAN directory is not a BigGAN model, and the reverse.
        XCTAssertThrowsError(try ModelDirectory.load(dir)) { XCTAssertTrue("\($0)".contains("holds a stylegan model"), "\($0)") }
        let biggan = dir.appendingPathComponent("biggan")
        try ModelDirectory.save(DeepI2IModel(config: ModelConfig(resolution: 32, channels: 8, classCount: 2)), to: biggan)
        XCTAssertEqual(try ModelFamily.of(directory: biggan), ModelFamily.biggan)
        XCTAssertThrowsError(try StyleGANTranslator.load(biggan)) { XCTAssertTrue("\($0)".contains("family 'biggan'"), "\($0)") }
        XCTAssertThrowsError(try ModelFamily.of(directory: dir.appendingPathComponent("missing"))) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
    }

    func testOneDomainEvaluation() throws {
        let dataset = try SmallAnimalMNIST128.dataset()
        let t = try Self.tinyTranslator()
        let classifier = try ResNetClassifier(arch: .resnet18Small, classCount: dataset.classCount, generator: RandomGenerator(seed: 3))
        let config = ClassifierDirectory.Config(arch: .resnet18Small, classNames: dataset.manifest.classNames, resolution: 32,
                                                testAccuracy: nil, iterations: 0, seed: 3, dataset: "random")
        var options = EvaluationOptions()
        options.perClass = 4
        options.seed = 2
        options.kidSubsets = 3
        func context(batch: Int) throws -> EvaluationContext {
            options.batchSize = batch
            let noise = try RandomGenerator(seed: 9)
            let evaluated = EvaluatedTranslator(resolution: 128, zDim: t.config.codeDim, device: .cpu) { x, _, z in
                try t.translate(x, z: z, noise: noise)
            }
            return try EvaluationContext(translator: evaluated, targets: [4], dataset: dataset,
                                         extractor: ClassifierFeatures(classifier: classifier, resolution: 32, source: "random"),
                                         classifier: (classifier, config), options: options)
        }
        let c = try context(batch: 4)
        let report = try Evaluation.run(c, metrics: ["mfid", "mkid", "rc", "mask-iou"], modelDescription: "tiny stylegan")
        XCTAssertEqual(report.classNames, [dataset.manifest.classNames[4]])
        XCTAssertEqual(report.metrics.map(\.name), ["mFID", "mKID", "RC", "mask-IoU"])
        for metric in report.metrics {
            XCTAssertTrue(metric.value.isFinite, metric.name)
            XCTAssertEqual(metric.perClass?.count, 1, metric.name)
        }
        XCTAssertEqual(try c.translations().map(\.shape), [[4, 3, 128, 128]])
        // The sources are test images of the other classes; the reals are the target's.
        XCTAssertTrue(try c.translationSources()[0].allSatisfy { dataset.labels[$0] != 4 })
        XCTAssertTrue(try c.realImages()[0].size(0) >= 2)
        // Deterministic for a seed (a fresh noise stream, the same z).
        let again = try context(batch: 4)
        XCTAssertLessThan(try (again.translations()[0] - c.translations()[0]).abs().max().item(), 1e-6)
        XCTAssertThrowsError(try Evaluation.run(c, metrics: ["fc"], modelDescription: "x")) {
            XCTAssertTrue("\($0)".contains("at least two target classes"), "\($0)")
        }
        // With input classes, the sources are test images of those classes only.
        let noise = try RandomGenerator(seed: 9)
        let evaluated = EvaluatedTranslator(resolution: 128, zDim: t.config.codeDim, device: .cpu) { x, _, z in
            try t.translate(x, z: z, noise: noise)
        }
        let cats = try EvaluationContext(translator: evaluated, targets: [4], sources: [2], dataset: dataset, extractor: nil, options: options)
        let catSources = try cats.translationSources()[0]
        XCTAssertEqual(catSources.count, 4)
        XCTAssertTrue(catSources.allSatisfy { dataset.labels[$0] == 2 }, "\(catSources.map { dataset.labels[$0] })")
        XCTAssertThrowsError(try EvaluationContext(translator: evaluated, targets: [4], sources: [99], dataset: dataset,
                                                   extractor: nil, options: options)) {
            XCTAssertTrue("\($0)".contains("input classes [99] are not classes"), "\($0)")
        }
    }
}

/// Animal-MNIST at 128 px, a few images per class (the StyleGAN translator's smallest resolution).
enum SmallAnimalMNIST128 {
    static func dataset() throws -> PackedDataset {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-tests-animal-mnist-128px-20")
        if let existing = try? PackedDataset(at: url) { return existing }
        do {
            _ = try BuiltinDatasets.pack(.animalMNIST, resolution: 128, out: url, seed: 1, perClassLimit: 20,
                                         overwrite: true, installIfMissing: false, log: { _ in })
        } catch {
            throw XCTSkip("Animal-MNIST is not installed (pip install --no-deps animal-mnist): \(error)")
        }
        return try PackedDataset(at: url)
    }
}

/// Largest difference of two images' bytes (Int.max when their sizes differ).
private func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
    guard a.width == b.width, a.height == b.height else { return .max }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
