@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// The eval-mode spectral-norm cache: bit-identical to recomputing W / sigma, and dropped by every
/// change to W or u (loading, optimizer steps, training-mode forwards, device/data replacement).
final class SpectralNormCacheTests: XCTestCase {
    private func input(_ shape: [Int], seed: UInt64 = 1) throws -> Tensor {
        try Tensor.randn(shape, generator: RandomGenerator(seed: seed))
    }

    private func assertBitIdentical(_ a: Tensor, _ b: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        XCTAssertEqual(try a.detached().contiguous().toArray(of: Float.self),
                       try b.detached().contiguous().toArray(of: Float.self), file: file, line: line)
    }

    /// The uncached path: with gradients on and W trainable the layer never uses the cache.
    private func uncached(_ conv: SNConv2d, _ x: Tensor) throws -> Tensor {
        XCTAssertTrue(conv.weight.requiresGrad)
        return try withGrad { try conv(x) }.detached()
    }

    func testCachedForwardIsBitIdenticalToRecomputing() throws {
        let conv = try SNConv2d(8, 16, generator: RandomGenerator(seed: 3))
        conv.eval()
        let x = try input([2, 8, 6, 6])
        XCTAssertFalse(conv.sn.isCached)
        let first = try withNoGrad { try conv(x) }
        XCTAssertTrue(conv.sn.isCached)
        let second = try withNoGrad { try conv(x) }
        try assertBitIdentical(first, second)
        try assertBitIdentical(second, try uncached(conv, x))
        // Evaluation stores nothing: u and sigma are untouched by cached or uncached forwards.
        XCTAssertTrue(conv.sn.isCached)
    }

    func testGraphForwardsDoNotUseTheCache() throws {
        let conv = try SNConv2d(4, 4, generator: RandomGenerator(seed: 5))
        conv.eval()
        let x = try input([1, 4, 5, 5])
        _ = try withNoGrad { try conv(x) }
        XCTAssertTrue(conv.sn.isCached)
        // A forward that needs W's gradient recomputes (and backward works through it twice).
        for _ in 0..<2 {
            let y = try withGrad { try conv(x) }
            XCTAssertTrue(y.requiresGrad)
            try y.sum().backward()
        }
        XCTAssertNotNil(conv.weight.grad)
    }

    func testEveryWeightOrVectorChangeDropsTheCache() throws {
        let conv = try SNConv2d(6, 6, generator: RandomGenerator(seed: 7))
        let x = try input([2, 6, 4, 4])
        let mutations: [(String, () throws -> Void)] = [
            ("loadStateDict", {
                var state: [String: Tensor] = [:]
                for (name, t) in conv.stateDict() { state[name] = try t.detached() * 1.5 + 0.01 }
                try conv.loadStateDict(state)
            }),
            ("in-place edit of W", { _ = try withNoGrad { try conv.weight.normal_(generator: RandomGenerator(seed: 9)) } }),
            ("optimizer step", {
                try withGrad { try conv(x).square().sum().backward() }
                try Adam(conv.parameters(), config: AdamConfig(learningRate: 0.1)).step()
                try conv.zeroGrad()
            }),
            ("training-mode forward (u update)", {
                conv.train()
                _ = try withNoGrad { try conv(x) }
                conv.eval()
            }),
            ("setData (device move)", {
                let moved = try conv.weight.detached().clone() + Tensor.randn(conv.weight.shape, generator: RandomGenerator(seed: 10)) * 0.1
                try conv.weight.setData(moved)
            }),
            ("in-place edit of u", { try conv.sn.u.copy_(from: try Tensor.randn([1, 6], generator: RandomGenerator(seed: 11))) }),
        ]
        conv.eval()
        for (name, mutate) in mutations {
            let before = try withNoGrad { try conv(x) }
            XCTAssertTrue(conv.sn.isCached, name)
            try mutate()
            conv.eval()
            XCTAssertFalse(conv.sn.isCached, "\(name) must drop the cache")
            let after = try withNoGrad { try conv(x) }
            try assertBitIdentical(after, try uncached(conv, x))
            XCTAssertGreaterThan(try (after - before).abs().max().item(), 0, name)
        }
    }

    func testTrainingModeStillUpdatesTheVectorEveryForward() throws {
        let conv = try SNConv2d(5, 7, generator: RandomGenerator(seed: 13))
        let x = try input([1, 5, 3, 3])
        conv.eval()
        _ = try withNoGrad { try conv(x) }
        conv.train()
        var previous = try conv.sn.u.clone()
        for _ in 0..<3 {
            _ = try withNoGrad { try conv(x) }
            XCTAssertFalse(conv.sn.isCached)
            XCTAssertGreaterThan(try (conv.sn.u - previous).abs().max().item(), 0)
            previous = try conv.sn.u.clone()
        }
    }

    /// A whole model (with self-attention at 64 px): repeated cached translations are bit-identical, and
    /// equal the uncached one within float tolerance (fused attention and G's inference shortcut order
    /// round differently; each SN layer alone is bit-identical, above).
    func testModelTranslationMatchesTheUncachedPath() throws {
        let model = try DeepI2IModel(config: ModelConfig(resolution: 64, channels: 8, classCount: 3), seed: 2)
        XCTAssertFalse(model.config.generatorAttention.isEmpty)
        model.eval()
        let x = try Tensor.rand([2, 3, 64, 64], generator: RandomGenerator(seed: 1)) * 2.0 - 1.0
        let z = try Tensor.randn([2, model.config.dimZ], generator: RandomGenerator(seed: 2))
        let cachedFirst = try withNoGrad { try model.translate(x, classes: [0, 2], z: z) }
        let cached = try withNoGrad { try model.translate(x, classes: [0, 2], z: z) }
        try assertBitIdentical(cachedFirst, cached)
        // Gradients on and weights trainable: every SN layer recomputes, attention unfused.
        let reference = try withGrad { try model.translate(x, classes: [0, 2], z: z) }.detached()
        if InferenceSpeedups.enabled {
            // Fused attention and G's inference shortcut order (GBlockShortcutTests) round differently.
            XCTAssertLessThan(try (cached - reference).abs().max().item(), 1e-4)
        } else {
            try assertBitIdentical(cached, reference)
        }
    }

    func testUnfusedAttentionCoreMatchesTheOfficialFormula() throws {
        let theta = try input([2, 3, 16], seed: 1), phi = try input([2, 3, 4], seed: 2), g = try input([2, 5, 4], seed: 3)
        let official = try g.bmm(theta.transpose(1, 2).bmm(phi).softmax(dim: -1).transpose(1, 2))
        try assertBitIdentical(try Functional.attentionCore(theta: theta, phi: phi, g: g, fused: false), official)
        let fused = try Functional.attentionCore(theta: theta, phi: phi, g: g, fused: true)
        XCTAssertLessThan(try (fused - official).abs().max().item(), 1e-5)
    }
}
