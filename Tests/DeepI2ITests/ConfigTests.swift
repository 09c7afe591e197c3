@testable import DeepI2I
import Torch
import XCTest

final class ConfigTests: XCTestCase {
    func testArchitectureTablesAndFusionLevels() throws {
        XCTAssertEqual(try Architecture(resolution: 128).fusableWidths, [32, 16, 8, 4])
        XCTAssertEqual(try Architecture(resolution: 64).defaultFusionLevels, [16, 8, 4])
        XCTAssertEqual(try Architecture(resolution: 32).defaultFusionLevels, [8, 4])
        XCTAssertEqual(try Architecture(resolution: 256).defaultFusionLevels, [32, 16, 8, 4])
        XCTAssertEqual(try Architecture(resolution: 256).fusableWidths, [64, 32, 16, 8, 4])
        XCTAssertThrowsError(try Architecture(resolution: 100))
        let arch = try Architecture(resolution: 128)
        // Sub-adaptor channels of the paper: 32: 2ch->4ch, 16: 4ch->8ch, 8: 8ch->16ch, 4: 16ch->16ch.
        XCTAssertEqual([32, 16, 8, 4].map { arch.encoderMultiplier(width: $0)! }, [2, 4, 8, 16])
        XCTAssertEqual([32, 16, 8, 4].map { arch.generatorMultiplier(width: $0)! }, [4, 8, 16, 16])
    }

    func testEveryResolutionBuildsAndTranslates() throws {
        for resolution in [32, 64, 128] {
            let config = try ModelConfig(resolution: resolution, channels: 8, classCount: 4)
            let model = try DeepI2IModel(config: config)
            model.eval()
            let x = try Tensor.zeros([1, 3, resolution, resolution])
            let y = try withNoGrad { try model.translate(x, classes: [3], z: Tensor.zeros([1, config.dimZ])) }
            XCTAssertEqual(y.shape, [1, 3, resolution, resolution], "resolution \(resolution)")
        }
    }

    func testAblationConfigurations() throws {
        var config = try ModelConfig(resolution: 32, channels: 8, classCount: 2)
        config.fusionLevels = [4]
        let single = try DeepI2IModel(config: config)
        XCTAssertEqual(single.adaptor.stateDict().filter { $0.name.hasPrefix("blocks.0.") }.count, 0)
        XCTAssertGreaterThan(single.adaptor.stateDict().filter { $0.name.hasPrefix("blocks.1.") }.count, 0)
        config.fusionLevels = [8, 4]
        config.fusionMode = .direct
        let direct = try DeepI2IModel(config: config)
        XCTAssertEqual(direct.adaptor.parameterCount, 0)
        let x = try Tensor.zeros([1, 3, 32, 32])
        XCTAssertEqual(try withNoGrad { try direct.translate(x, classes: [1], z: Tensor.zeros([1, config.dimZ])) }.shape, [1, 3, 32, 32])
        config.fusionLevels = [16]
        XCTAssertThrowsError(try config.validate())
    }

    func testBadInputsAreErrors() throws {
        let config = try ModelConfig(resolution: 32, channels: 8, classCount: 2)
        let model = try DeepI2IModel(config: config)
        XCTAssertThrowsError(try model.translate(Tensor.zeros([1, 3, 64, 64]), classes: [0], z: Tensor.zeros([1, config.dimZ])))
        XCTAssertThrowsError(try model.translate(Tensor.zeros([1, 3, 32, 32]), classes: [5], z: Tensor.zeros([1, config.dimZ])))
        XCTAssertThrowsError(try model.translate(Tensor.zeros([1, 3, 32, 32]), classes: [0], z: Tensor.zeros([1, 7])))
        XCTAssertThrowsError(try model.translate(Tensor.zeros([2, 3, 32, 32]), classes: [0], z: Tensor.zeros([2, config.dimZ])))
    }

    func testConfigRoundTripsThroughJSON() throws {
        var config = try ModelConfig(resolution: 64, channels: 16, classCount: 10)
        config.classNames = (0..<10).map { "c\($0)" }
        config.fusionMode = .direct
        let decoded = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(decoded, config)
    }
}
