@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// G blocks at inference compute their shortcut as upsample(conv_sc(x)) instead of the official
/// conv_sc(upsample(x)) (a 1x1 convolution commutes with nearest upsampling): the same values within
/// float rounding; training keeps the official order.
final class GBlockShortcutTests: XCTestCase {
    func testInferenceShortcutOrderMatchesTheOfficialOrder() throws {
        let rng = try RandomGenerator(seed: 5)
        let block = try GBlock(12, 6, conditionDim: 10, bnEps: 1e-5, snEps: 1e-6, generator: rng)
        block.eval()
        let x = try Tensor.randn([3, 12, 5, 5], generator: rng)
        let c = try Tensor.randn([3, 10], generator: rng)
        let fast = try withNoGrad { try block(x, condition: c) }
        // With a graph: the official order (and no SN cache, no prepacking).
        let official = try withGrad { try block(x, condition: c) }.detached()
        XCTAssertEqual(fast.shape, [3, 6, 10, 10])
        let scale = try official.abs().max().item()
        XCTAssertLessThan(try (fast - official).abs().max().item(), 1e-5 * max(scale, 1))
        // The shortcut alone, both orders, against each other.
        let sc = try XCTUnwrap(block.convSC)
        let a = try withNoGrad { try Functional.upsampleNearest(sc(x), scale: 2) }
        let b = try withGrad { try sc(Functional.upsampleNearest(x, scale: 2)) }.detached()
        XCTAssertLessThan(try (a - b).abs().max().item(), 1e-5 * max(try b.abs().max().item(), 1))
    }
}
