@testable import DeepI2I
import Foundation
@testable import Torch
import XCTest

/// Eval-mode SN convolutions with their cached weight prepacked for oneDNN (issue #18): the same results
/// as libtorch's plain conv2d within float tolerance (bit-identical where libtorch picks the same oneDNN
/// kernel), packed once per SN cache entry, repacked after any change, never used with a graph or in
/// training mode.
final class ConvPrepackTests: XCTestCase {
    private func input(_ shape: [Int], seed: UInt64 = 1) throws -> Tensor {
        try Tensor.randn(shape, generator: RandomGenerator(seed: seed))
    }

    /// max |a - b| relative to max |b|.
    private func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
        XCTAssertEqual(a.shape, b.shape)
        return try (a - b).abs().max().item() / max(b.abs().max().item(), 1e-12)
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(Torch.hasConvPrepack, "this libtorch has no oneDNN: convolutions are not prepacked")
    }

    func testPrepackedConvolutionMatchesPlainConvolution() throws {
        // (batch, in, out, size, kernel, padding): 3x3 and 1x1 as in BigGAN, wide layers at small sizes.
        let cases = [(1, 3, 8, 9, 3, 1), (2, 8, 16, 6, 3, 1), (4, 64, 96, 4, 3, 1), (3, 16, 8, 7, 1, 0),
                     (2, 12, 24, 5, 3, 0)]
        for (i, (n, cin, cout, size, k, p)) in cases.enumerated() {
            let x = try input([n, cin, size, size], seed: UInt64(i + 1))
            let w = try input([cout, cin, k, k], seed: UInt64(i + 20)) * 0.1
            let b = try input([cout], seed: UInt64(i + 40))
            let plain = try Functional.conv2d(x, weight: w, bias: b, padding: (p, p))
            let packed = try Functional.prepackConv2d(w, padding: (p, p))
            let fast = try Functional.conv2d(x, prepacked: packed, bias: b)
            XCTAssertLessThan(try relativeError(fast, plain), 1e-5, "case \(i)")
            let noBias = try Functional.conv2d(x, prepacked: packed)
            XCTAssertLessThan(try relativeError(noBias, Functional.conv2d(x, weight: w, padding: (p, p))), 1e-5, "case \(i)")
        }
    }

    func testBadInputsToPrepackingAreErrors() throws {
        XCTAssertThrowsError(try Functional.prepackConv2d(input([4, 3, 3]))) { error in
            XCTAssertTrue("\(error)".contains("4-d CPU float32"), "\(error)")
        }
        XCTAssertThrowsError(try Functional.prepackConv2d(input([4, 3, 3, 3]).to(dtype: .f64)))
        let packed = try Functional.prepackConv2d(input([4, 3, 3, 3]), padding: (1, 1))
        XCTAssertThrowsError(try Functional.conv2d(input([1, 3, 5, 5]).to(dtype: .f64), prepacked: packed))
        XCTAssertThrowsError(try Functional.conv2d(input([1, 5, 5, 5]), prepacked: packed)) // wrong channels
        let notPacked = PrepackedConv2dWeight(packed: try input([4, 3, 3, 3]), stride: (1, 1), padding: (1, 1),
                                              dilation: (1, 1), groups: 1)
        XCTAssertThrowsError(try Functional.conv2d(input([1, 3, 5, 5]), prepacked: notPacked)) { error in
            XCTAssertTrue("\(error)".contains("ct_conv2d_prepack"), "\(error)")
        }
    }

    func testSNConvPacksOncePerCacheEntryAndRepacksAfterAChange() throws {
        try XCTSkipUnless(InferenceSpeedups.prepacksConvolutions, "prepacking is turned off in this environment")
        let conv = try SNConv2d(8, 16, generator: RandomGenerator(seed: 3))
        conv.eval()
        let x = try input([2, 8, 6, 6])
        let first = try withNoGrad { try conv(x) }
        let packed = try XCTUnwrap(conv.prepacked)
        XCTAssertTrue(conv.sn.isCachedWeight(packed.source))
        let second = try withNoGrad { try conv(x) }
        XCTAssertTrue(try XCTUnwrap(conv.prepacked).weight.packed === packed.weight.packed, "packed once")
        XCTAssertEqual(try (first - second).abs().max().item(), 0)
        // The uncached, unpacked path: gradients on, W trainable.
        let reference = try withGrad { try conv(x) }.detached()
        XCTAssertLessThan(try relativeError(second, reference), 1e-5)

        // A weight change (a load) drops the SN cache, so the next forward packs the new W / sigma.
        var state: [String: Tensor] = [:]
        for (name, t) in conv.stateDict() { state[name] = try t.detached() * 1.5 + 0.01 }
        try conv.loadStateDict(state)
        let after = try withNoGrad { try conv(x) }
        XCTAssertFalse(try XCTUnwrap(conv.prepacked).weight.packed === packed.weight.packed, "repacked")
        XCTAssertGreaterThan(try (after - second).abs().max().item(), 0)
        XCTAssertLessThan(try relativeError(after, withGrad { try conv(x) }.detached()), 1e-5)

        // Training mode (u update) and graph forwards use the plain path and release the packed copy.
        conv.train()
        _ = try withNoGrad { try conv(x) }
        XCTAssertNil(conv.prepacked)
        conv.eval()
        let y = try withGrad { try conv(x) }
        XCTAssertNil(conv.prepacked)
        XCTAssertTrue(y.requiresGrad)
    }

    /// A whole model (attention at 64 px): translating with prepacked convolutions equals the unpacked,
    /// uncached path within float tolerance, and repeated calls are bit-identical.
    func testModelTranslationMatchesThePlainPath() throws {
        let model = try DeepI2IModel(config: ModelConfig(resolution: 64, channels: 8, classCount: 3), seed: 2)
        model.eval()
        let x = try Tensor.rand([2, 3, 64, 64], generator: RandomGenerator(seed: 1)) * 2.0 - 1.0
        let z = try Tensor.randn([2, model.config.dimZ], generator: RandomGenerator(seed: 2))
        let first = try withNoGrad { try model.translate(x, classes: [0, 2], z: z) }
        let second = try withNoGrad { try model.translate(x, classes: [0, 2], z: z) }
        XCTAssertEqual(try (first - second).abs().max().item(), 0)
        let reference = try withGrad { try model.translate(x, classes: [0, 2], z: z) }.detached()
        XCTAssertLessThan(try (second - reference).abs().max().item(), 1e-4)
    }
}
