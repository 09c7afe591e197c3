import XCTest
@testable import Torch

/// The least-squares problem of make_reference.py: minimise mse(x @ w + b, y) in Float64.
final class OptimizerTests: XCTestCase {
    private let steps = 6

    private func freshParameters() throws -> [Tensor] {
        [try Fixture.seq([3, 4], dtype: .f64).requiresGrad(true),
         try Fixture.seq([4], a: 0.5, b: 0.3, dtype: .f64).requiresGrad(true)]
    }

    private func train(_ params: [Tensor], _ optimizer: Optimizer, steps: Int) throws {
        let x = try Fixture.seq([5, 3], a: 0.41, dtype: .f64)
        let y = try Fixture.seq([5, 4], a: 0.13, b: 0.5, dtype: .f64)
        for _ in 0..<steps {
            try optimizer.zeroGrad()
            try Functional.mseLoss(x.matmul(params[0]) + params[1], y).backward()
            try optimizer.step()
        }
    }

    private func checkAgainstTorch(_ name: String, _ make: ([Tensor]) throws -> Optimizer,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let params = try freshParameters()
        try train(params, try make(params), steps: steps)
        try assertMatchesReference(params[0], name + "_w", accuracy: 1e-12, file: file, line: line)
        try assertMatchesReference(params[1], name + "_b", accuracy: 1e-12, file: file, line: line)
    }

    func testAdamMatchesTorchOptim() throws {
        try checkAgainstTorch("adam_default") { try Adam($0, config: AdamConfig(learningRate: 0.01)) }
        try checkAgainstTorch("adam_full") {
            try Adam($0, config: AdamConfig(learningRate: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1,
                                            amsgrad: true))
        }
    }

    func testSGDMatchesTorchOptim() throws {
        try checkAgainstTorch("sgd_plain_wd") { try SGD($0, learningRate: 0.1, weightDecay: 0.05) }
        try checkAgainstTorch("sgd_momentum") { try SGD($0, learningRate: 0.1, momentum: 0.9) }
        try checkAgainstTorch("sgd_nesterov_wd") {
            try SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        }
        try checkAgainstTorch("sgd_dampening") { try SGD($0, learningRate: 0.1, momentum: 0.5, dampening: 0.3) }
    }

    func testNesterovRequiresMomentum() {
        XCTAssertThrowsError(try SGD([], learningRate: 0.1, nesterov: true))
    }

    func testParametersWithoutGradientAreSkipped() throws {
        let used = try Tensor([Double(1), 2]).requiresGrad(true)
        let unused = try Tensor([Double(5)]).requiresGrad(true)
        let adam = try Adam([used, unused], config: AdamConfig(learningRate: 0.1))
        try (used * used).sum().backward()
        try adam.step()
        XCTAssertEqual(try unused.toArray(of: Double.self), [5])
        // First Adam step moves every coordinate by lr (sign of the gradient) up to eps.
        try assertValues(used, [0.9, 1.9], accuracy: 1e-6, "first Adam step")
    }

    /// Runs `steps` uninterrupted, then half, saves, rebuilds the optimizer on copies of the parameters,
    /// loads and runs the other half: the parameters must be identical.
    private func checkResume(_ make: ([Tensor]) throws -> Optimizer, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try freshParameters()
        try train(reference, try make(reference), steps: steps)

        let first = try freshParameters()
        let optimizer = try make(first)
        try train(first, optimizer, steps: steps / 2)
        let (state, stepCount) = try optimizer.stateDict()
        XCTAssertEqual(stepCount, steps / 2, file: file, line: line)
        var saved: [String: Tensor] = [:]
        for (name, t) in state { saved[name] = try t.clone() }

        let resumed = try first.map { try $0.detached().clone().requiresGrad(true) }
        let restored = try make(resumed)
        try restored.loadStateDict(tensors: saved, step: stepCount)
        try train(resumed, restored, steps: steps - steps / 2)
        for (r, p) in zip(reference, resumed) {
            XCTAssertEqual(try p.toArray(of: Double.self), try r.toArray(of: Double.self), file: file, line: line)
        }
    }

    func testAdamStateSaveLoadResumesExactly() throws {
        try checkResume { try Adam($0, config: AdamConfig(learningRate: 0.05, weightDecay: 0.01, amsgrad: true)) }
        try checkResume { try Adam($0, config: AdamConfig(learningRate: 0.01)) }
    }

    func testSGDStateSaveLoadResumesExactly() throws {
        try checkResume { try SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true) }
    }

    func testAdamStateDictNamesAndErrors() throws {
        let params = try freshParameters()
        let adam = try Adam(params, config: AdamConfig(amsgrad: true))
        let names = try adam.stateDict().tensors.map(\.name)
        XCTAssertEqual(names, ["0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq", "1.exp_avg", "1.exp_avg_sq", "1.max_exp_avg_sq"])
        XCTAssertThrowsError(try adam.loadStateDict(tensors: [:], step: 1))
        var wrong: [String: Tensor] = [:]
        for (name, t) in try adam.stateDict().tensors { wrong[name] = try Tensor.zeros(t.shape + [1], dtype: .f64) }
        assertTorchError(try adam.loadStateDict(tensors: wrong, step: 1), contains: ["0.exp_avg", "[3, 4, 1]", "[3, 4]"])
    }
}
