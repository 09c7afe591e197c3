import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest

/// Sanity of the whole feature + metric chain on real data: two disjoint halves of one class score
/// near zero, two different classes clearly apart (Animal-MNIST, 32 px, EfficientNet-Lite0 features).
final class RealVsRealTests: XCTestCase {
    func testSameClassHalvesScoreFarBelowDifferentClasses() throws {
        let extractor: EfficientNetLite0
        do { extractor = try EfficientNetLite0.pretrained() } catch let error as EvaluationError { throw XCTSkip("\(error)") }
        let dataset = try SmallAnimalMNIST.dataset(perClass: 40)
        let byClass = dataset.indicesByClass(.all)
        let bear = byClass[0], zebra = byClass[9]
        XCTAssertEqual(bear.count, 40)
        let half1 = try extractor.features(of: dataset.tensor(at: Array(bear[0..<20])), batchSize: 20)
        let half2 = try extractor.features(of: dataset.tensor(at: Array(bear[20..<40])), batchSize: 20)
        let other = try extractor.features(of: dataset.tensor(at: Array(zebra[0..<20])), batchSize: 20)

        let fidSame = try FID.distance(half1, half2), fidDifferent = try FID.distance(half1, other)
        let kidSame = try KID.compute(half1, half2, subsets: 20, subsetSize: 20, seed: 0)
        let kidDifferent = try KID.compute(half1, other, subsets: 20, subsetSize: 20, seed: 0)
        print("real-vs-real (EfficientNet-Lite0, 20 vs 20): FID same \(fidSame), different \(fidDifferent); KID same \(kidSame.mean), different \(kidDifferent.mean)")
        // 20 samples in 1280 dimensions bias FID upwards for both; the gap is what must show.
        XCTAssertLessThan(fidSame, 0.7 * fidDifferent)
        // KID is unbiased: the same distribution gives ~0 (either sign), a different one clearly more.
        XCTAssertLessThan(abs(kidSame.mean), 0.2 * kidDifferent.mean)
        XCTAssertGreaterThan(kidDifferent.mean, 3 * kidDifferent.std / Double(20).squareRoot())
    }
}
