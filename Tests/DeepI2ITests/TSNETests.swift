@testable import DeepI2I
import Datasets
import Foundation
import Torch
import XCTest

/// t-SNE (Appendix H): separates clear clusters, is deterministic for a seed, and the translation map
/// command's library part picks inputs outside the target class.
final class TSNETests: XCTestCase {
    /// Three Gaussian clusters of 40 points in 20-D, centres 20 * sqrt(2) apart, unit spread.
    func clusters() throws -> (Tensor, [Int]) {
        let rng = try RandomGenerator(seed: 5)
        var parts: [Tensor] = []
        var labels: [Int] = []
        for c in 0..<3 {
            var centre = [Double](repeating: 0, count: 20)
            centre[c] = 20
            let offset = try Tensor(centre, shape: [1, 20])
            parts.append(try Tensor.randn([40, 20], generator: rng, dtype: .f64) + offset)
            labels += Array(repeating: c, count: 40)
        }
        return (try Tensor.cat(parts), labels)
    }

    func quickTSNE(seed: UInt64) -> TSNE {
        var t = TSNE()
        t.perplexity = 15
        t.iterations = 300
        t.exaggerationIterations = 100
        t.pcaDimensions = 10
        t.seed = seed
        return t
    }

    func testClustersSeparate() throws {
        let (x, labels) = try clusters()
        let result = try quickTSNE(seed: 1).embed(x)
        XCTAssertEqual(result.embedding.shape, [120, 2])
        XCTAssertTrue(result.divergence.isFinite && result.divergence >= 0, "KL \(result.divergence)")
        let y = try result.embedding.contiguous().toArray(of: Double.self)
        func point(_ i: Int) -> (Double, Double) { (y[2 * i], y[2 * i + 1]) }
        func distance(_ i: Int, _ j: Int) -> Double {
            let (a, b) = (point(i), point(j))
            return ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
        }
        // Every point's nearest neighbour in the map is from its own cluster.
        for i in 0..<120 {
            let nearest = (0..<120).filter { $0 != i }.min { distance(i, $0) < distance(i, $1) }!
            XCTAssertEqual(labels[nearest], labels[i], "point \(i)")
        }
        // And the clusters are far apart relative to their size.
        var within = 0.0, between = 0.0, nw = 0.0, nb = 0.0
        for i in 0..<120 {
            for j in (i + 1)..<120 {
                if labels[i] == labels[j] { within += distance(i, j); nw += 1 } else { between += distance(i, j); nb += 1 }
            }
        }
        XCTAssertLessThan(within / nw, 0.3 * (between / nb), "mean within \(within / nw), between \(between / nb)")
    }

    /// Both PCA routes (Gram matrix for fewer points than dimensions, covariance otherwise) give the same
    /// scores, and the leading component carries the largest variance.
    func testPCARoutesAgree() throws {
        let x = try Tensor.randn([12, 30], generator: RandomGenerator(seed: 2), dtype: .f64)
        let gram = try TSNE.pca(x, dimensions: 5)  // 12 points < 30 dimensions: Gram route
        XCTAssertEqual(gram.shape, [12, 5])
        let variances = try gram.square().sum(dims: [0]).toArray(of: Double.self)
        XCTAssertEqual(variances, variances.sorted(by: >))
        let again = try TSNE.pca(x, dimensions: 5)
        XCTAssertEqual(try (again - gram).abs().max().item(), 0)
        // Same data through both routes: a tall copy (rows repeated) has the same principal axes.
        let tall = try Tensor.cat([x, x, x])  // 36 > 30 rows
        let viaCovariance = try TSNE.pca(tall, dimensions: 5).narrow(dim: 0, start: 0, length: 12)
        XCTAssertEqual(try (viaCovariance - gram).abs().max().item(), 0, accuracy: 1e-9)
    }

    func testDeterministicForASeed() throws {
        let (x, _) = try clusters()
        let a = try quickTSNE(seed: 7).embed(x).embedding
        let b = try quickTSNE(seed: 7).embed(x).embedding
        let c = try quickTSNE(seed: 8).embed(x).embedding
        XCTAssertEqual(try (a - b).abs().max().item(), 0)
        XCTAssertGreaterThan(try (a - c).abs().max().item(), 0)
    }

    /// The joint affinities are symmetric, sum to 1, and each row's conditional distribution has the
    /// requested perplexity (checked by recomputing its entropy from P's defining formula).
    func testAffinitiesAreCalibrated() throws {
        let (x, _) = try clusters()
        var t = quickTSNE(seed: 0)
        t.perplexity = 10
        let conditional = try t.conditionalAffinities(x)
        let rows = try conditional.sum(dims: [1])
        XCTAssertEqual(try (rows - 1).abs().max().item(), 0, accuracy: 1e-9)
        // Perplexity 2^H with H = -sum_j p_j|i log2 p_j|i.
        let logs = try conditional.clamp(min: 1e-300).log()
        let entropy = try (conditional * logs).sum(dims: [1]) * -1.0
        let perplexities = try entropy.exp().toArray(of: Double.self)
        for (i, perplexity) in perplexities.enumerated() { XCTAssertEqual(perplexity, 10, accuracy: 1e-3, "row \(i)") }
        let p = try t.affinities(x)
        XCTAssertEqual(try p.sum().item(), 1, accuracy: 1e-6)
        XCTAssertEqual(try (p - p.t()).abs().max().item(), 0, accuracy: 1e-15)
        XCTAssertEqual(try p.min().item(), 0)
        XCTAssertThrowsError(try t.embed(Tensor.zeros([3, 4])))
        t.perplexity = 200
        XCTAssertThrowsError(try t.embed(x)) { error in XCTAssertTrue("\(error)".contains("perplexity"), "\(error)") }
    }

    func testTranslationTSNEOfAModel() throws {
        let fx = try TrainingFixture()
        let dataset = try PackedDataset(at: fx.data)
        var config = try ModelConfig(resolution: 32, channels: 8, classCount: 3)
        config.classNames = ["h", "v", "d"]
        let model = try DeepI2IModel(config: config, seed: 1)
        var options = TranslationTSNE.Options()
        options.target = 1
        options.count = 24
        options.split = "all"
        options.tsne.perplexity = 5
        options.tsne.iterations = 60
        options.tsne.exaggerationIterations = 20
        let (report, translations) = try TranslationTSNE.run(model: model, dataset: dataset, extractor: nil, options: options,
                                                             modelDescription: "fresh")
        XCTAssertEqual(report.points.count, 24)
        XCTAssertEqual(translations.shape, [24, 3, 32, 32])
        XCTAssertFalse(report.points.contains { $0.inputClass == 1 }, "inputs of the target class are left out")
        XCTAssertEqual(report.targetClass, "v")
        XCTAssertEqual(TranslationTSNE.csv(report.points).split(separator: "\n").count, 25)
        let (again, _) = try TranslationTSNE.run(model: model, dataset: dataset, extractor: nil, options: options, modelDescription: "fresh")
        XCTAssertEqual(again.points, report.points)
        let map = try TranslationTSNE.map(points: report.points, inputs: report.points.map { dataset.image(at: $0.input) },
                                          translations: ImageTensors.images(from: translations), size: 400)
        XCTAssertEqual(map.width, 400)
        options.target = 3
        XCTAssertThrowsError(try TranslationTSNE.inputs(dataset: dataset, options: options))
        options.target = 0
        options.split = "validation"
        XCTAssertThrowsError(try TranslationTSNE.inputs(dataset: dataset, options: options))
    }
}
