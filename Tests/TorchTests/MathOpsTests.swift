import XCTest
@testable import Torch

final class MathOpsTests: XCTestCase {
    private func a() throws -> Tensor { try Fixture.seq([3, 4]) }
    private func b() throws -> Tensor { try Fixture.seq([4], a: 0.5, b: 0.3) }
    private func x() throws -> Tensor { try Fixture.seq([2, 3, 4], a: 0.37, b: 0.2, scale: 2) }

    func testBroadcastingArithmetic() throws {
        try assertMatchesReference(a() + b(), "add_bcast")
        try assertMatchesReference(a() - b(), "sub_bcast")
        try assertMatchesReference(a() * b(), "mul_bcast")
        try assertMatchesReference(a() / (b() + 2), "div_bcast")
    }

    func testScalarArithmetic() throws {
        try assertMatchesReference(a() * 2.5 + 1, "affine_scalar")
        try assertMatchesReference(1 - a(), "rsub_scalar")
        try assertMatchesReference(1 / (a() + 2), "rdiv_scalar")
        try assertMatchesReference((a().abs() + 0.1).pow(1.7), "pow_scalar")
        XCTAssertEqual(try (2.0 * Tensor([Float(1), 2])).toArray(of: Float.self), [2, 4])
        XCTAssertEqual(try (-Tensor([Float(1), -2])).toArray(of: Float.self), [-1, 2])
        XCTAssertEqual(try Tensor([Float(1), 2]).adding(Tensor([Float(10), 20]), alpha: 0.5).toArray(of: Float.self), [6, 12])
    }

    func testBroadcastShapes() throws {
        let r = try Tensor.ones([3, 1]) + Tensor.ones([1, 4])
        XCTAssertEqual(r.shape, [3, 4])
        let s = try Tensor.ones([2, 1, 5]) * Tensor.ones([3, 1])
        XCTAssertEqual(s.shape, [2, 3, 5])
    }

    func testInPlaceArithmetic() throws {
        let t = try Tensor([Float(1), 2, 3])
        try t += Tensor([Float(1), 1, 1])
        try t *= 2
        try t -= Tensor([Float(0.5), 0.5, 0.5])
        try t /= 2
        XCTAssertEqual(try t.toArray(of: Float.self), [1.75, 2.75, 3.75])
        // Integer tensors keep their dtype with whole-number scalars (BatchNorm's num_batches_tracked += 1).
        let counter = try Tensor.zeros([], dtype: .i64)
        try counter += 1
        try counter *= 5
        XCTAssertEqual(counter.dtype, .i64)
        XCTAssertEqual(try counter.itemInt(), 5)
        XCTAssertThrowsError(try counter += 0.5, "a fraction cannot be added to a Long tensor in place")
    }

    func testComparisons() throws {
        let t = try Tensor([Float(-1), 0, 2])
        XCTAssertEqual(try t.gt(0).toArray(of: Bool.self), [false, false, true])
        XCTAssertEqual(try t.le(0).toArray(of: Bool.self), [true, true, false])
        XCTAssertEqual(try t.eq(Tensor([Float(-1), 1, 2])).toArray(of: Bool.self), [true, false, true])
        let w = try Tensor.where(t.gt(0), t, Tensor.zeros([3]))
        XCTAssertEqual(try w.toArray(of: Float.self), [0, 0, 2])
    }

    func testMatmulAndBmm() throws {
        try assertMatchesReference(a().matmul(Fixture.seq([4, 2], a: 0.21, b: 0.4)), "matmul")
        let ba = try Fixture.seq([2, 3, 4], a: 0.31)
        let bb = try Fixture.seq([2, 4, 5], a: 0.17, b: 1.0)
        try assertMatchesReference(ba.bmm(bb), "bmm")
        // Hand-checked case.
        let m = try Tensor([Float(1), 2, 3, 4], shape: [2, 2]).matmul(Tensor([Float(5), 6], shape: [2, 1]))
        XCTAssertEqual(try m.toArray(of: Float.self), [17, 39])
    }

    func testReductions() throws {
        let x = try x()
        try assertMatchesReference(x.sum(), "sum_all")
        try assertMatchesReference(x.sum(dims: [1]), "sum_dim1")
        try assertMatchesReference(x.sum(dims: [0, 2], keepDim: true), "sum_dims02_keep")
        try assertMatchesReference(x.mean(), "mean_all")
        try assertMatchesReference(x.mean(dims: [2]), "mean_dim2")
        try assertMatchesReference(x.variance(), "var_all")
        try assertMatchesReference(x.variance(dims: [1], unbiased: false), "var_dim1_biased")
        try assertMatchesReference(x.max(), "max_all")
        try assertMatchesReference(x.min(), "min_all")
        let (values, indices) = try x.max(dim: 2)
        try assertMatchesReference(values, "max_dim2_values")
        try assertMatchesReference(indices, "max_dim2_indices", accuracy: 0)
        XCTAssertEqual(indices.dtype, .i64)
        try assertMatchesReference(x.argmax(dim: 1), "argmax_dim1", accuracy: 0)
        try assertMatchesReference(x.min(dim: 0).values, "min_dim0_values")
    }

    func testReductionsKeepDimOverAllDimensions() throws {
        let x = try x()
        let s = try x.sum(dims: [], keepDim: true)
        XCTAssertEqual(s.shape, [1, 1, 1])
        XCTAssertEqual(try s.item(), Fixture.reference("sum_all").values[0], accuracy: 1e-5)
        let m = try x.mean(dims: [], keepDim: true)
        XCTAssertEqual(m.shape, [1, 1, 1])
        XCTAssertEqual(try m.item(), Fixture.reference("mean_all").values[0], accuracy: 1e-6)
        let v = try x.variance(dims: [], keepDim: true)
        XCTAssertEqual(v.shape, [1, 1, 1])
        XCTAssertEqual(try v.item(), Fixture.reference("var_all").values[0], accuracy: 1e-6)
    }

    func testElementwiseFunctions() throws {
        let x = try x()
        let pos = try x.abs() + 0.1
        try assertMatchesReference(pos.sqrt(), "sqrt")
        try assertMatchesReference(x.exp(), "exp")
        try assertMatchesReference(pos.log(), "log")
        try assertMatchesReference(x.abs(), "abs")
        try assertMatchesReference(x.clamp(min: -0.3, max: 0.4), "clamp")
        try assertMatchesReference(x.clamp(min: 0.1), "clamp_min")
        try assertMatchesReference(x.tanh(), "tanh")
        try assertMatchesReference(x.sigmoid(), "sigmoid")
        try assertMatchesReference(x.relu(), "relu")
        try assertMatchesReference(x.leakyRelu(slope: 0.2), "leaky_relu")
    }

    func testSoftmaxLogSoftmaxNormalize() throws {
        let x = try x()
        let sm = try x.softmax(dim: 1)
        try assertMatchesReference(sm, "softmax_dim1")
        try assertValues(sm.sum(dims: [1]), [Double](repeating: 1, count: 8), accuracy: 1e-6, "softmax sums")
        try assertMatchesReference(x.logSoftmax(dim: 2), "log_softmax_dim2")
        let n = try x.normalized(p: 2, dim: 1)
        try assertMatchesReference(n, "normalize_dim1")
        try assertValues(n.norm(p: 2, dims: [1]), [Double](repeating: 1, count: 8), accuracy: 1e-6, "unit norms")
    }

    func testRelu_InPlace() throws {
        let t = try Tensor([Float(-1), 0.5, -0.25, 2])
        try t.relu_()
        XCTAssertEqual(try t.toArray(of: Float.self), [0, 0.5, 0, 2])
    }
}
