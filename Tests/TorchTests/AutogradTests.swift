import XCTest
@testable import Torch

final class AutogradTests: XCTestCase {
    func testRequiresGradFlagAndPropagation() throws {
        let x = try Tensor([Float(1), 2, 3])
        XCTAssertFalse(x.requiresGrad)
        try x.requiresGrad(true)
        XCTAssertTrue(x.requiresGrad)
        let y = try x * 2
        XCTAssertTrue(y.requiresGrad)
        let c = try Tensor([Float(1), 1, 1]) * 2
        XCTAssertFalse(c.requiresGrad)
        XCTAssertNil(x.grad)
    }

    func testBackwardOfScalar() throws {
        // d/dx sum(x^2 + 3x) = 2x + 3
        let x = try Tensor([Double(1), -2, 0.5]).requiresGrad(true)
        try (x * x + x * 3).sum().backward()
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [5, -1, 4])
    }

    func testBackwardWithGradientArgument() throws {
        let x = try Tensor([Double(1), 2, 3]).requiresGrad(true)
        let y = try x * x // dy/dx = 2x, vector-Jacobian product with v
        try y.backward(gradient: Tensor([Double(1), 0.5, -1]))
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [2, 2, -6])
    }

    func testNonScalarBackwardWithoutGradientThrows() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        assertTorchError(try (x * 2).backward(), contains: ["scalar"])
    }

    func testGradientsAccumulateAcrossBackwards() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        try (x * 3).sum().backward()
        try (x * x).sum().backward()
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [5, 7])
    }

    func testZeroGradClearsOrZeroes() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        try (x * 3).sum().backward()
        try x.zeroGrad(setToNone: false)
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [0, 0])
        try (x * 2).sum().backward()
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [2, 2])
        try x.zeroGrad()
        XCTAssertNil(x.grad)
        try (x * 4).sum().backward()
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [4, 4])
    }

    func testSetGrad() throws {
        let x = try Tensor([Float(1), 2]).requiresGrad(true)
        try x.setGrad(Tensor([Float(7), 8]))
        XCTAssertEqual(try x.grad?.toArray(of: Float.self), [7, 8])
        try x.setGrad(nil)
        XCTAssertNil(x.grad)
    }

    func testDetachCutsTheGraph() throws {
        let x = try Tensor([Double(2), 3]).requiresGrad(true)
        let d = try (x * 2).detached()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertEqual(try d.toArray(of: Double.self), [4, 6])
        // y = x * stopgrad(2x): dy/dx = 2x (the detached factor is a constant)
        try (x * d).sum().backward()
        XCTAssertEqual(try x.grad?.toArray(of: Double.self), [4, 6])
    }

    func testNoGradRecordsNothingAndBackwardThrows() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        XCTAssertTrue(Torch.isGradEnabled)
        let y = try withNoGrad { () throws -> Tensor in
            XCTAssertFalse(Torch.isGradEnabled)
            return try (x * 2).sum()
        }
        XCTAssertTrue(Torch.isGradEnabled)
        XCTAssertFalse(y.requiresGrad)
        assertTorchError(try y.backward(), contains: ["does not require grad"])
        XCTAssertNil(x.grad)
        // withGrad re-enables inside a no-grad scope.
        let z = try withNoGrad { try withGrad { try (x * 2).sum() } }
        XCTAssertTrue(z.requiresGrad)
    }

    func testNoGradRestoresStateAfterThrow() throws {
        XCTAssertThrowsError(try withNoGrad { () throws -> Tensor in throw TorchError("test", "boom") })
        XCTAssertTrue(Torch.isGradEnabled)
    }

    func testAutogradGradFunction() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        let w = try Tensor([Double(3), -1]).requiresGrad(true)
        let unused = try Tensor([Double(0)]).requiresGrad(true)
        let y = try (x * w).sum()
        let grads = try Autograd.grad(outputs: [y], inputs: [x, w, unused])
        XCTAssertEqual(try grads[0]?.toArray(of: Double.self), [3, -1])
        XCTAssertEqual(try grads[1]?.toArray(of: Double.self), [1, 2])
        XCTAssertNil(grads[2])
        XCTAssertNil(x.grad, "autograd.grad does not accumulate into .grad")
    }

    func testSecondOrderGradient() throws {
        // d2/dx2 x^3 = 6x
        let x = try Tensor([Double(2)]).requiresGrad(true)
        let y = try x.pow(3).sum()
        let g = try Autograd.grad(outputs: [y], inputs: [x], createGraph: true)[0]!
        XCTAssertEqual(try g.item(), 12)
        let h = try Autograd.grad(outputs: [g.sum()], inputs: [x])[0]!
        XCTAssertEqual(try h.item(), 12)
    }

    func testRetainGraphAllowsASecondBackward() throws {
        let x = try Tensor([Double(1), 2]).requiresGrad(true)
        let y = try x.exp().sum()
        try y.backward(retainGraph: true)
        try y.backward()
        try assertValues(x.grad!, [2 * 2.718281828459045, 2 * 7.38905609893065], accuracy: 1e-12, "2 e^x")
        let z = try x.exp().sum()
        try z.backward()
        XCTAssertThrowsError(try z.backward(), "graph freed after the first backward")
    }
}
