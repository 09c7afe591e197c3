import Foundation
import XCTest
@testable import Torch

/// The gradient reducer's bookkeeping in one process (a Gloo group of one rank on loopback, where the
/// average is the gradient itself): buckets go out during backward as their gradients become ready, in
/// order, and a bucket waiting for an unused parameter goes out at the step; idle micro-batches,
/// repeated backward passes and gradient penalties (`Autograd.grad` with `createGraph`) leave the right
/// sums in `.grad`. (Several ranks: DataParallelCLITests.)
final class GradientReducerTests: XCTestCase {
    var group: ProcessGroup!
    var unused: Tensor!, w1: Tensor!, w2: Tensor!, b: Tensor!, x: Tensor!

    override func setUpWithError() throws {
        group = try ProcessGroup(DistributedEnvironment(rank: 0, worldSize: 1, masterPort: DistributedEnvironment.freeLoopbackPort()), timeout: 30)
        unused = try Tensor.randn([5]).requiresGrad(true)
        w1 = try Tensor.randn([4, 3]).requiresGrad(true)
        w2 = try Tensor.randn([3, 2]).requiresGrad(true)
        b = try Tensor.randn([2]).requiresGrad(true)
        x = try Tensor.randn([6, 4]).requiresGrad(true)
    }

    /// Parameters [unused, w1, w2, b] in buckets of one tensor each: backward reaches b, w2, w1 (buckets
    /// 0, 1, 2); bucket 3 (the unused parameter) waits for the step.
    func makeReducer() throws -> GradientReducer {
        try GradientReducer(group: group, parameters: [unused, w1, w2, b], bucketBytes: 8, operation: "test all-reduce")
    }

    func loss() throws -> Tensor { try (x.matmul(w1).tanh().matmul(w2) + b).square().sum() }

    func grads() throws -> [[Float]] { try [w1, w2, b].map { try $0.grad!.toArray(of: Float.self) } }

    func assertGrads(_ actual: [[Float]], _ expected: [[Float]], times k: Float = 1, file: StaticString = #filePath, line: UInt = #line) {
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a.count, e.count, file: file, line: line)
            for (u, v) in zip(a, e) { XCTAssertEqual(u, k * v, accuracy: 1e-5 * max(1, abs(k * v)), file: file, line: line) }
        }
    }

    func testBucketsGoOutDuringBackwardInOrderAndTheRestAtTheStep() throws {
        let reducer = try makeReducer()
        XCTAssertEqual(reducer.statistics.buckets, 4)
        try reducer.prepare()
        try loss().backward()
        // Before finalize: the three buckets whose gradients exist were launched by the hooks.
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 3)
        XCTAssertEqual(reducer.statistics.launchedAtStep, 0)
        let local = try grads()
        try reducer.finalize()
        XCTAssertEqual(reducer.statistics.launchedAtStep, 1)
        assertGrads(try grads(), local)
        XCTAssertNil(unused.grad, "no rank had a gradient for it: it keeps none")

        // Not armed (no zeroGrad / prepare since the step): the hooks stay idle, the step sends everything.
        try loss().backward()
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 3)
        try reducer.finalize()
        XCTAssertEqual(reducer.statistics.launchedAtStep, 5)
        assertGrads(try grads(), local, times: 2)
    }

    func testAccumulation() throws {
        let reducer = try makeReducer()
        try loss().backward()
        let single = try grads()
        for p in [w1, w2, b] { try p!.zeroGrad() }

        // The first micro-batch idle, the last one sends the sums.
        try reducer.prepare()
        try GradientReducer.withoutCommunication { try loss().backward() }
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 0)
        try loss().backward()
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 3)
        try reducer.finalize()
        assertGrads(try grads(), single, times: 2)
        XCTAssertEqual(reducer.statistics.relaunched, 0)

        // Unmarked micro-batches: the second backward reaches sent buckets, so the step sends all again.
        for p in [w1, w2, b] { try p!.zeroGrad() }
        try reducer.prepare()
        try loss().backward()
        try loss().backward()
        try reducer.finalize()
        XCTAssertEqual(reducer.statistics.relaunched, 3)
        assertGrads(try grads(), single, times: 2)
    }

    /// A gradient penalty: Autograd.grad(createGraph) runs no accumulator (nothing goes out), the backward
    /// of loss + penalty does; the average written back is graph-free.
    func testGradientPenalty() throws {
        let reducer = try makeReducer()
        try reducer.prepare()
        let l = try loss()
        let gx = try XCTUnwrap(Autograd.grad(outputs: [l], inputs: [x], createGraph: true)[0])
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 0)
        XCTAssertNil(w1.grad)
        try (l + gx.square().sum()).backward()
        XCTAssertEqual(reducer.statistics.launchedDuringBackward, 3)
        let local = try grads()
        try reducer.finalize()
        assertGrads(try grads(), local)
        XCTAssertFalse(w1.grad!.requiresGrad)
    }
}
