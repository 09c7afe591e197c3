import DeepI2I
import Foundation
import Torch
import XCTest

final class ClassifierTests: XCTestCase {
    func testResNet50HasTorchvisionKeysAndParameterCount() throws {
        let model = try ResNetClassifier(arch: .resnet50, classCount: 1000)
        let shapes = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.shape) })
        XCTAssertEqual(shapes["conv1.weight"], [64, 3, 7, 7])
        XCTAssertEqual(shapes["layer1.0.downsample.0.weight"], [256, 64, 1, 1])
        XCTAssertEqual(shapes["layer2.0.conv2.weight"], [128, 128, 3, 3])
        XCTAssertEqual(shapes["layer4.2.bn3.running_var"], [2048])
        XCTAssertEqual(shapes["fc.weight"], [1000, 2048])
        XCTAssertNil(shapes["layer1.1.downsample.0.weight"])
        XCTAssertEqual(shapes.count, 320)  // torchvision resnet50().state_dict() has 320 entries
        XCTAssertEqual(model.parameterCount, 25_557_032)  // torchvision's ResNet-50
    }

    func testSmallResNetTrainsSavesAndReloads() throws {
        // Two trivially separable classes (dark vs bright 8 px images); enough steps for the BatchNorm
        // running statistics (momentum 0.1) to settle, since accuracy is measured in eval mode.
        let rng = try RandomGenerator(seed: 9)
        let dark = try Tensor.rand([8, 3, 8, 8], generator: rng) * 0.4 - 1
        let bright = try Tensor.rand([8, 3, 8, 8], generator: rng) * 0.4 + 0.6
        let images = try Tensor.cat([dark, bright])
        let labels = try Tensor([Int64](repeating: 0, count: 8) + [Int64](repeating: 1, count: 8))
        let model = try ResNetClassifier(arch: .resnet18Small, classCount: 2, generator: RandomGenerator(seed: 1))
        let trainer = ClassifierTrainer(iterations: 30, learningRate: 0.05, seed: 2)
        var losses: [Double] = []
        try trainer.train(model, batch: { _ in (images, labels) }, progress: { _, loss in losses.append(loss) })
        let accuracy = try ClassifierTrainer.accuracy(model, images: images, labels: labels)
        XCTAssertEqual(accuracy, 1.0)
        XCTAssertLessThan(try XCTUnwrap(losses.last), 0.05 * (try XCTUnwrap(losses.first)))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clf-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = ClassifierDirectory.Config(arch: .resnet18Small, classNames: ["dark", "bright"], resolution: 8,
                                                testAccuracy: accuracy, iterations: 30, seed: 2, dataset: "synthetic")
        try ClassifierDirectory.save(model, config: config, to: dir)
        let (reloaded, readBack) = try ClassifierDirectory.load(dir)
        XCTAssertEqual(readBack, config)
        let a = try withNoGrad { try model(images) }, b = try withNoGrad { try reloaded(images) }
        XCTAssertLessThan(try (a - b).abs().max().item(), 1e-5)
        XCTAssertEqual(try ClassifierFeatures(classifier: reloaded, resolution: 8, source: "test").features(of: images, batchSize: 8).shape, [16, 256])
    }

    func testLoadingANonClassifierDirectoryIsATypedError() {
        XCTAssertThrowsError(try ClassifierDirectory.load(URL(fileURLWithPath: "/nonexistent"))) { error in
            XCTAssertTrue("\(error)".contains("train-classifier"), "\(error)")
        }
    }
}
