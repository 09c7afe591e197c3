import DeepI2I
import Foundation
import Torch
import XCTest

/// fp16's loss scaler over the gradient reducer, with two ranks in one process (two threads, one Gloo
/// group each, on loopback), wired as DataParallel wires them: the scaler checks the averaged gradients,
/// so an overflow on one rank skips the step on both, and finite gradients step both ranks alike.
final class OverlappedLossScalerTests: XCTestCase {
    /// Each rank: w = ones(4), loss = sum(w * factor[rank]) scaled, one checked step.
    func runRanks(factors: [Double]) throws -> [(stepped: Bool, weights: [Float], steps: Int)] {
        let port = try DistributedEnvironment.freeLoopbackPort()
        let outcomes = Outcomes()
        let done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    let group = try ProcessGroup(DistributedEnvironment(rank: rank, worldSize: 2, masterPort: port), timeout: 30)
                    let w = try Tensor.ones([4]).requiresGrad(true)
                    let adam = try Adam([w], config: AdamConfig(learningRate: 0.1))
                    let reducer = try GradientReducer(group: group, parameters: [w], operation: "the test all-reduce")
                    adam.didZeroGrad = { _ in try reducer.prepare() }
                    adam.willStep = { _ in try reducer.finalize() }
                    let scaler = LossScaler()
                    try adam.zeroGrad()
                    try scaler.scaled((w * factors[rank]).sum()).backward()
                    let launched = reducer.statistics.launchedDuringBackward
                    let stepped = try scaler.step(adam)
                    let weights: [Float] = try w.detached().toArray()
                    outcomes.record(rank, (stepped, weights, adam.stepCount))
                    if launched != 1 { outcomes.fail("rank \(rank): \(launched) buckets launched during backward") }
                    try group.barrier()
                } catch {
                    outcomes.fail("rank \(rank): \(error)")
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the ranks did not finish")
        XCTAssertEqual(outcomes.failures, [])
        return try (0..<2).map { try XCTUnwrap(outcomes.results[$0]) }
    }

    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var results: [Int: (stepped: Bool, weights: [Float], steps: Int)] = [:]
        private(set) var failures: [String] = []
        func record(_ rank: Int, _ r: (Bool, [Float], Int)) { lock.lock(); results[rank] = r; lock.unlock() }
        func fail(_ message: String) { lock.lock(); failures.append(message); lock.unlock() }
    }

    func testAnOverflowOnOneRankSkipsTheStepOnEveryRank() throws {
        let ranks = try runRanks(factors: [1, .infinity])
        for r in ranks {
            XCTAssertFalse(r.stepped)
            XCTAssertEqual(r.steps, 0)
            XCTAssertEqual(r.weights, [1, 1, 1, 1])
        }
    }

    func testFiniteGradientsStepEveryRankAlike() throws {
        // Gradients 1 and 3: the average 2 on both ranks; Adam's first step moves w by lr.
        let ranks = try runRanks(factors: [1, 3])
        for r in ranks {
            XCTAssertTrue(r.stepped)
            XCTAssertEqual(r.steps, 1)
            for v in r.weights { XCTAssertEqual(v, 0.9, accuracy: 1e-5) }
        }
        XCTAssertEqual(ranks[0].weights, ranks[1].weights)
    }
}
