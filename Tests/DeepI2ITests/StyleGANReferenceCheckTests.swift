@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// The StyleGAN family against the official DeepI2I_StyleGAN code's reference vectors
/// (shared/golden/stylegan256, channel widths / 8), and the entry points the vectors do not cover.
final class StyleGANReferenceCheckTests: XCTestCase {
    private func folder() throws -> URL {
        let url = TestPaths.golden.deletingLastPathComponent().appendingPathComponent("stylegan256")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path),
                          "StyleGAN reference vectors not found at \(url.path)")
        return url
    }

    func testEveryComparisonWithinTolerance() throws {
        let results = try StyleGANReferenceCheck(folder: folder()).run()
        // 25 values (E, A, mean style, 4 samples, D, 128 px, 2 training fakes), 10 losses, and the 278
        // gradients of D (WGAN-GP and R1, penalties included), G and A.
        XCTAssertEqual(results.filter { $0.kind == .value }.count, 25)
        XCTAssertEqual(results.filter { $0.kind == .loss }.count, 10)
        XCTAssertEqual(results.filter { $0.kind == .gradient }.count, 278)
        XCTAssertEqual(results.filter { $0.name.hasPrefix("grad wgan_D.") }.count, 32)
        for failure in results where !failure.passed {
            XCTFail("\(failure.name): error \(failure.error) > \(failure.tolerance)")
        }
    }

    func testConfigIsInferredFromTheWeights() throws {
        let config = try StyleGANReferenceCheck(folder: folder()).config
        XCTAssertEqual(config.channelDivisor, 8)
        XCTAssertEqual(config.codeDim, 64)
        XCTAssertEqual(config.mappingLayers, 8)
        XCTAssertEqual(config.step, 6)
        XCTAssertEqual(config.resolution, 256)
        XCTAssertTrue(config.fused)
        XCTAssertTrue(config.fromRGBActivate)
        XCTAssertEqual(config.fusionWeights, [4: 0.1, 8: 0.1, 16: 0.1, 32: 0.1, 64: 0])
    }

    func testStateDictKeysAndShapesEqualOfficialOnes() throws {
        let folder = try folder()
        let check = try StyleGANReferenceCheck(folder: folder)
        let model = try StyleGANModel(config: check.config)
        let counts = ["G": 414_049, "D": 399_913, "E": 399_913, "A": 313_920]  // config.json "params"
        for (name, network) in model.networks {
            let official = try StateDictFile.read(folder.appendingPathComponent("\(name).safetensors"))
            let ours = Dictionary(uniqueKeysWithValues: network.stateDict().map { ($0.name, $0.tensor.shape) })
            XCTAssertEqual(Set(ours.keys), Set(official.map(\.name)), name)
            for (key, tensor) in official { XCTAssertEqual(ours[key], tensor.shape, "\(name).\(key)") }
            XCTAssertEqual(network.parameterCount, counts[name], name)
        }
    }

    func testFamilyIsReadFromConfig() throws {
        XCTAssertEqual(try ReferenceFamily.of(folder: folder()), .stylegan)
        XCTAssertEqual(try ReferenceFamily.of(folder: TestPaths.requireGolden()), .biggan)
        let dir = try TestPaths.temporaryDirectory(self)
        try Data(#"{"family": "vqgan"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try ReferenceFamily.of(folder: dir)) { error in
            XCTAssertTrue(describe(error).contains("unknown model family vqgan"), describe(error))
        }
        XCTAssertThrowsError(try StyleGANReferenceCheck(folder: TestPaths.requireGolden())) { error in
            XCTAssertTrue(describe(error).contains("StyleGAN"), describe(error))
        }
    }

    func testBigGANGeneratorIsRecognisedAsNotStyleGAN() throws {
        let shapes = Dictionary(uniqueKeysWithValues: try StateDictFile.read(
            TestPaths.requireGolden().appendingPathComponent("G.safetensors")).map { ($0.name, $0.tensor.shape) })
        XCTAssertThrowsError(try StyleGANConfig.inferred(fromGenerator: shapes, step: 6)) { error in
            XCTAssertTrue(describe(error).contains("BigGAN generator"), describe(error))
        }
    }

    // MARK: Entry points without reference vectors, checked by their definitions.

    private func smallModel() throws -> StyleGANModel {
        let config = try StyleGANConfig(step: 3, channelDivisor: 16, codeDim: 8, mappingLayers: 2)
        let model = try StyleGANModel(config: config, generator: RandomGenerator(seed: 3))
        // Non-zero noise strengths so that noise matters.
        try withNoGrad {
            for (name, p) in model.generator.namedParameters() where name.hasSuffix("weight_orig") && name.contains("noise") {
                try p.copy_(from: Tensor.randn(p.shape, generator: RandomGenerator(seed: 5)) * 0.1)
            }
        }
        return model
    }

    func testAlphaZeroIsTheUpsampledPreviousStep() throws {
        let model = try smallModel()
        let rng = try RandomGenerator(seed: 7)
        let z = try Tensor.randn([2, 8], generator: rng)
        let noise = try model.generator.randomNoise(batch: 2, step: 3, generator: rng)
        try withNoGrad {
            let previous = try model.generator(z: [z], noise: noise, step: 2)
            let faded = try model.generator(z: [z], noise: noise, step: 3, alpha: 0)
            let expected = try Functional.upsampleNearest(previous, scale: 2)
            XCTAssertLessThan(try (faded - expected).abs().max().item(), 1e-5)
            let full = try model.generator(z: [z], noise: noise, step: 3, alpha: 1)
            let half = try model.generator(z: [z], noise: noise, step: 3, alpha: 0.5)
            XCTAssertLessThan(try (half - (full + faded) * 0.5).abs().max().item(), 1e-5)

            let x = try Tensor.randn([2, 3, 32, 32], generator: rng)
            let d = model.discriminator
            let dFaded = try d(x, step: 3, alpha: 0).logit
            let dPrevious = try d(Functional.avgPool2d(x, kernel: (2, 2)), step: 2).logit
            XCTAssertLessThan(try (dFaded - dPrevious).abs().max().item(), 1e-5)
        }
    }

    func testCrossoverMixingEqualsTheRangeItImplies() throws {
        let model = try smallModel()
        let rng = try RandomGenerator(seed: 11)
        let z1 = try Tensor.randn([2, 8], generator: rng), z2 = try Tensor.randn([2, 8], generator: rng)
        let noise = try model.generator.randomNoise(batch: 2, step: 3, generator: rng)
        try withNoGrad {
            let crossed = try model.generator(z: [z1, z2], noise: noise, mixing: .crossovers([1]))
            let ranged = try model.generator(z: [z1, z2], noise: noise, mixing: .range(2...8))
            XCTAssertLessThan(try (crossed - ranged).abs().max().item(), 1e-6)
            let plain = try model.generator(z: [z1], noise: noise)
            XCTAssertGreaterThan(try (crossed - plain).abs().max().item(), 1e-3, "the second style matters")
            let truncatedToMean = try model.generator(z: [z1], noise: noise,
                                                      truncation: (model.generator.meanStyle(z2), 0))
            let meanOnly = try model.generator(z: [z2.mean(dims: [0], keepDim: true).expand([2, 8])], noise: noise,
                                               truncation: (model.generator.meanStyle(z2), 0))
            XCTAssertLessThan(try (truncatedToMean - meanOnly).abs().max().item(), 1e-6, "weight 0 keeps only the mean style")
        }
    }

    func testWrongInputsAreClearErrors() throws {
        let model = try smallModel()
        XCTAssertThrowsError(try model.discriminator(Tensor.zeros([1, 3, 16, 16]), step: 3)) { error in
            XCTAssertTrue(describe(error).contains("[B, 3, 32, 32]"), describe(error))
        }
        XCTAssertThrowsError(try model.generator(z: [Tensor.zeros([1, 8])], noise: [Tensor.zeros([1, 1, 4, 4])], step: 2)) { error in
            XCTAssertTrue(describe(error).contains("needs 3 noise tensors"), describe(error))
        }
        XCTAssertThrowsError(try StyleGANConfig(step: 9)) { error in
            XCTAssertTrue(describe(error).contains("step 9"), describe(error))
        }
        XCTAssertThrowsError(try StyleGANConfig.step(forResolution: 100))
    }
}
