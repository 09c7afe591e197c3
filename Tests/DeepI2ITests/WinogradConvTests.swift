@testable import DeepI2I
import Foundation
@testable import Torch
import XCTest

/// Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution for inference (issue #18): equal to libtorch's conv2d
/// within float tolerance for the shapes BigGAN uses (odd sizes, batches, bias or none, 4x4 and 1x1 maps),
/// clear errors for inputs it does not take.
final class WinogradConvTests: XCTestCase {
    private func input(_ shape: [Int], seed: UInt64) throws -> Tensor {
        try Tensor.randn(shape, generator: RandomGenerator(seed: seed))
    }

    /// max |a - b| relative to max |b|.
    private func relativeError(_ a: Tensor, _ b: Tensor) throws -> Double {
        XCTAssertEqual(a.shape, b.shape)
        return try (a - b).abs().max().item() / max(b.abs().max().item(), 1e-12)
    }

    /// Tolerances (max error relative to the largest output), from float64 checks of these shapes:
    /// F(2x2) ~3e-7 (as direct convolution), F(4x4) ~4e-6 (its transform constants up to 8 and 1/24).
    static let tolerance = [2: 2e-6, 4: 2e-5]

    func testWinogradMatchesConvolution() throws {
        // (batch, in, out, height, width): odd and even sizes, sizes not a multiple of the tile, 4x4 maps
        // as the wide BigGAN layers, 1x1 and 1-row maps, 3-channel input and output layers.
        let cases = [(1, 3, 8, 9, 9), (2, 8, 16, 6, 7), (4, 64, 96, 4, 4), (3, 5, 7, 5, 3), (2, 16, 16, 1, 1),
                     (2, 32, 48, 13, 13), (1, 16, 3, 8, 8), (2, 24, 8, 1, 6), (4, 32, 32, 16, 16)]
        for (i, (n, cin, cout, h, w)) in cases.enumerated() {
            let x = try input([n, cin, h, w], seed: UInt64(i + 1))
            let weight = try input([cout, cin, 3, 3], seed: UInt64(i + 20)) * 0.1
            let bias = try input([cout], seed: UInt64(i + 40))
            // Reference in float64, so that the tolerance measures Winograd's rounding, not conv2d's.
            let x64 = try x.to(dtype: .f64), w64 = try weight.to(dtype: .f64)
            let reference = try Functional.conv2d(x64, weight: w64, bias: bias.to(dtype: .f64), padding: (1, 1))
            let referenceNoBias = try Functional.conv2d(x64, weight: w64, padding: (1, 1))
            for m in [2, 4] {
                let u = try Functional.winogradConv2dWeight(weight, tileSize: m)
                XCTAssertEqual(u.transformed.shape, [(m + 2) * (m + 2), cout, cin])
                let y = try Functional.conv2d(x, winograd: u, bias: bias)
                XCTAssertEqual(y.dtype, .f32)
                let tol = try XCTUnwrap(Self.tolerance[m])
                XCTAssertLessThan(try relativeError(y.to(dtype: .f64), reference), tol, "case \(i), m \(m)")
                let noBias = try Functional.conv2d(x, winograd: u)
                XCTAssertLessThan(try relativeError(noBias.to(dtype: .f64), referenceNoBias), tol, "case \(i), m \(m)")
            }
        }
    }

    /// A non-contiguous input (a channel slice) is read as its values.
    func testNonContiguousInput() throws {
        let big = try input([2, 12, 7, 7], seed: 3)
        let x = try big.narrow(dim: 1, start: 2, length: 8)
        let weight = try input([5, 8, 3, 3], seed: 4)
        let y = try Functional.conv2d(x, winograd: Functional.winogradConv2dWeight(weight, tileSize: 4))
        XCTAssertLessThan(try relativeError(y, Functional.conv2d(x, weight: weight, padding: (1, 1))), 2e-5)
    }

    func testBadInputsAreErrors() throws {
        let w = try input([4, 3, 3, 3], seed: 1)
        XCTAssertThrowsError(try Functional.winogradConv2dWeight(w, tileSize: 3)) { error in
            XCTAssertTrue("\(error)".contains("must be 2 or 4"), "\(error)")
        }
        XCTAssertThrowsError(try Functional.winogradConv2dWeight(input([4, 3, 1, 1], seed: 1), tileSize: 2))
        XCTAssertThrowsError(try Functional.winogradConv2dWeight(w.to(dtype: .f64), tileSize: 2))
        let u = try Functional.winogradConv2dWeight(w, tileSize: 2)
        XCTAssertThrowsError(try Functional.conv2d(input([1, 5, 6, 6], seed: 2), winograd: u)) { error in // channels
            XCTAssertTrue("\(error)".contains("3 input channels") == false && "\(error)".contains("5 input channels"),
                          "\(error)")
        }
        XCTAssertThrowsError(try Functional.conv2d(input([1, 3, 6, 6], seed: 2).to(dtype: .f64), winograd: u))
        XCTAssertThrowsError(try Functional.conv2d(input([3, 6, 6], seed: 2), winograd: u))
        let mismatched = WinogradConv2dWeight(transformed: u.transformed, tileSize: 4)
        XCTAssertThrowsError(try Functional.conv2d(input([1, 3, 6, 6], seed: 2), winograd: mismatched))
        XCTAssertThrowsError(try Functional.conv2d(input([1, 3, 6, 6], seed: 2), winograd: u,
                                                   bias: input([5], seed: 3))) { error in
            XCTAssertTrue("\(error)".contains("bias"), "\(error)")
        }
    }

    /// The shape rule: Winograd F(4x4) only for 3x3 layers on maps of at most 32 px, with >= 128 channels
    /// >= 32 output tiles per call, weights up to 1536 x 768.
    func testShapeRule() {
        func rule(_ cin: Int, _ cout: Int, _ size: Int, _ batch: Int) -> Int? {
            InferenceSpeedups.winogradTileSize(inChannels: cin, outChannels: cout, height: size, width: size, batch: batch)
        }
        XCTAssertEqual(rule(384, 384, 32, 4), 4)
        XCTAssertEqual(rule(1536, 768, 16, 4), 4)
        XCTAssertEqual(rule(256, 256, 8, 40), 4)
        XCTAssertEqual(rule(256, 256, 4, 40), 4)
        XCTAssertNil(rule(96, 192, 32, 4))          // too few channels
        XCTAssertNil(rule(128, 64, 32, 40))
        XCTAssertNil(rule(192, 192, 64, 4))         // map too large
        XCTAssertNil(rule(1536, 1536, 8, 4))        // 16 tiles: memory-bound on the weights
        XCTAssertNil(rule(1536, 1536, 4, 4))
        XCTAssertNil(rule(1536, 1536, 8, 16))       // 340 MB of transformed weight
    }

    /// An eval-mode SN convolution at a Winograd shape: transformed once per SN cache entry (like the
    /// prepacked weight), equal to the plain path within tolerance, transformed again after a weight change,
    /// released in training mode, with a graph and at shapes the rule leaves to the direct path.
    func testSNConvTransformsOncePerCacheEntryAndAgainAfterAChange() throws {
        try XCTSkipUnless(InferenceSpeedups.winogradConvolutions, "Winograd convolution is turned off in this environment")
        let conv = try SNConv2d(192, 192, generator: RandomGenerator(seed: 3))
        conv.eval()
        let x = try input([2, 192, 16, 16], seed: 5)
        let first = try withNoGrad { try conv(x) }
        let transformed = try XCTUnwrap(conv.winograd)
        XCTAssertEqual(transformed.weight.tileSize, 4)
        XCTAssertTrue(conv.sn.isCachedWeight(transformed.source))
        let second = try withNoGrad { try conv(x) }
        XCTAssertTrue(try XCTUnwrap(conv.winograd).weight.transformed === transformed.weight.transformed, "once")
        XCTAssertEqual(try (first - second).abs().max().item(), 0)
        // The uncached, direct path: gradients on, W trainable.
        let reference = try withGrad { try conv(x) }.detached()
        XCTAssertLessThan(try relativeError(second, reference), 2e-5)

        // A weight change (a load) drops the SN cache, so the next forward transforms the new W / sigma.
        var state: [String: Tensor] = [:]
        for (name, t) in conv.stateDict() { state[name] = try t.detached() * 1.5 + 0.01 }
        try conv.loadStateDict(state)
        let after = try withNoGrad { try conv(x) }
        XCTAssertFalse(try XCTUnwrap(conv.winograd).weight.transformed === transformed.weight.transformed, "again")
        XCTAssertGreaterThan(try (after - second).abs().max().item(), 0)
        XCTAssertLessThan(try relativeError(after, withGrad { try conv(x) }.detached()), 2e-5)

        // An 8x8 input: the direct path (the rule), the transformed copy released.
        _ = try withNoGrad { try conv(input([1, 192, 8, 8], seed: 6)) }
        XCTAssertNil(conv.winograd)
        _ = try withNoGrad { try conv(x) }
        XCTAssertNotNil(conv.winograd)
        // Training mode (u update) and graph forwards use the plain path and release it.
        conv.train()
        _ = try withNoGrad { try conv(x) }
        XCTAssertNil(conv.winograd)
        conv.eval()
        let y = try withGrad { try conv(x) }
        XCTAssertNil(conv.winograd)
        XCTAssertTrue(y.requiresGrad)
    }
}
