import XCTest
@testable import Torch

/// Gradients of gradients (`Autograd.grad(..., createGraph: true)` then backward through the result),
/// as WGAN-GP and R1 need, checked against central finite differences in Float64.
final class HigherOrderGradTests: XCTestCase {
    typealias F = Functional

    private func seq(_ shape: [Int], a: Double = 0.37, b: Double = 0, scale: Double = 1) throws -> Tensor {
        try Fixture.seq(shape, a: a, b: b, scale: scale, dtype: .f64).requiresGrad(true)
    }

    /// Compares d objective / d parameter (analytic, `analytic[k]`) with central differences. The
    /// objective may itself call `Autograd.grad`, so it runs with gradient recording on.
    private func assertMatchesFiniteDifferences(_ label: String, parameters: [Tensor], analytic: [Tensor?],
                                                eps: Double = 1e-6, tolerance: Double = 1e-6,
                                                objective: () throws -> Tensor,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
        for (k, p) in parameters.enumerated() {
            let expected = try analytic[k].map { try $0.toArray(of: Double.self) }
                ?? [Double](repeating: 0, count: p.elementCount)
            var values = try p.toArray(of: Double.self)
            var worst = 0.0
            for i in values.indices {
                let original = values[i]
                values[i] = original + eps
                try p.copy_(from: Tensor(values, shape: p.shape))
                let plus = try objective().item()
                values[i] = original - eps
                try p.copy_(from: Tensor(values, shape: p.shape))
                let minus = try objective().item()
                values[i] = original
                let numeric = (plus - minus) / (2 * eps)
                worst = Swift.max(worst, Swift.abs(expected[i] - numeric) / Swift.max(1, Swift.abs(numeric)))
            }
            try p.copy_(from: Tensor(values, shape: p.shape))
            XCTAssertLessThanOrEqual(worst, tolerance, "\(label): parameter \(k) error \(worst)", file: file, line: line)
            XCTAssertTrue(expected.contains { $0 != 0 }, "\(label): parameter \(k) has an all-zero gradient",
                          file: file, line: line)
        }
    }

    func testHessianVectorProductMatchesFiniteDifferences() throws {
        // s(x, w) = <d/dx sum(tanh(conv(x, w))^2), v>: its gradient is a Hessian-vector product.
        let x = try seq([1, 2, 4, 4], scale: 0.8), w = try seq([3, 2, 3, 3], a: 0.23, b: 0.5, scale: 0.6)
        let v = try Fixture.seq([1, 2, 4, 4], a: 0.61, b: 0.3, dtype: .f64)
        func s() throws -> Tensor {
            let f = try F.conv2d(x, weight: w, padding: (1, 1)).tanh().square().sum()
            let g = try Autograd.grad(outputs: [f], inputs: [x], createGraph: true)[0]!
            return try (g * v).sum()
        }
        let analytic = try Autograd.grad(outputs: [s()], inputs: [x, w])
        try assertMatchesFiniteDifferences("Hessian-vector", parameters: [x, w], analytic: analytic, objective: s)
    }

    func testGradientPenaltyParameterGradientsMatchFiniteDifferences() throws {
        // A small critic D(x) = linear(lrelu(conv(tanh(conv(x))))) and the WGAN-GP penalty
        // mean((|d sum D(x) / dx|_2 - 1)^2) per sample, differentiated with respect to D's parameters.
        let x = try seq([2, 2, 5, 5], scale: 1.5)
        let w1 = try seq([3, 2, 3, 3], a: 0.29, b: 0.2), b1 = try seq([3], a: 0.7)
        let w2 = try seq([2, 3, 3, 3], a: 0.17, b: 0.4, scale: 0.5), lw = try seq([1, 2 * 3 * 3], a: 0.41)
        let params = [w1, b1, w2, lw]
        func penalty() throws -> Tensor {
            // tanh, not LeakyReLU, first: a piecewise-linear net has zero second derivative in its bias.
            var h = try F.conv2d(x, weight: w1, bias: b1, padding: (1, 1)).tanh()
            h = try F.conv2d(h, weight: w2, stride: (2, 2), padding: (1, 1)).leakyRelu(slope: 0.2)
            let out = try F.linear(h.flatten(startDim: 1), weight: lw)
            let g = try Autograd.grad(outputs: [out.sum()], inputs: [x], createGraph: true)[0]!
            return try (g.flatten(startDim: 1).norm(p: 2, dims: [1]) - 1).square().mean()
        }
        let analytic = try Autograd.grad(outputs: [penalty()], inputs: params)
        try assertMatchesFiniteDifferences("gradient penalty", parameters: params, analytic: analytic, objective: penalty)

        // backward() through the penalty accumulates the same gradients into .grad.
        try penalty().backward()
        for (p, a) in zip(params, analytic) {
            let diff = try (p.grad! - a!).abs().max().item()
            XCTAssertLessThan(diff, 1e-12)
        }
    }

    func testR1PenaltyThroughInstanceNormAndPooling() throws {
        // R1-style |d D / dx|^2 through the ops the StyleGAN family uses: batch-norm statistics (instance
        // norm), average pooling, nearest upsampling, transposed convolution, batch variance.
        let x = try seq([2, 2, 4, 4], scale: 1.2)
        let wt = try seq([2, 2, 3, 3], a: 0.31, b: 0.1, scale: 0.7), w = try seq([2, 2, 3, 3], a: 0.19, b: 0.3)
        func penalty() throws -> Tensor {
            var h = try F.convTranspose2d(x, weight: wt, stride: (2, 2), padding: (1, 1))  // 7x7
            h = try F.batchNorm(h.reshape([1, 4, 7, 7]), runningMean: nil, runningVar: nil, training: true)
                .reshape([2, 2, 7, 7]).leakyRelu(slope: 0.2)
            h = try F.upsampleNearest(F.conv2d(h, weight: w, padding: (1, 1)), scale: 2)
            h = try F.avgPool2d(h, kernel: (2, 2)) + h.variance(dims: [0], unbiased: false).mean()
            let d = try h.square().sum(dims: [1, 2, 3])
            let g = try Autograd.grad(outputs: [d.sum()], inputs: [x], createGraph: true)[0]!
            return try g.square().sum(dims: [1, 2, 3]).mean() * 5
        }
        let analytic = try Autograd.grad(outputs: [penalty()], inputs: [wt, w])
        try assertMatchesFiniteDifferences("R1 penalty", parameters: [wt, w], analytic: analytic,
                                           tolerance: 1e-5, objective: penalty)
    }

    func testCreateGraphRetainsTheGraphByDefault() throws {
        // As in PyTorch, retainGraph defaults to createGraph: the outputs' graph survives for a backward.
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        let y = try x.pow(3).sum()
        let g = try Autograd.grad(outputs: [y], inputs: [x], createGraph: true)[0]!
        try assertValues(g, [3, 12], accuracy: 1e-12, "3x^2")
        try y.backward()
        try assertValues(x.grad!, [3, 12], accuracy: 1e-12, "backward after grad")
        let z = try x.pow(3).sum()
        _ = try Autograd.grad(outputs: [z], inputs: [x])
        XCTAssertThrowsError(try z.backward(), "without createGraph the graph is freed")
    }

    func testGradOfAGradientWithoutCreateGraphIsAnError() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        let g = try Autograd.grad(outputs: [x.pow(3).sum()], inputs: [x])[0]!
        try assertTorchError(try Autograd.grad(outputs: [g.sum()], inputs: [x]),
                             contains: ["does not require grad"])
    }
}
