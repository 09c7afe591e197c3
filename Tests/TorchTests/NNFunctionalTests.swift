import XCTest
@testable import Torch

final class NNFunctionalTests: XCTestCase {
    typealias F = Functional

    func testConv2dStridePaddingDilationGroups() throws {
        let x = try Fixture.seq([2, 4, 7, 7])
        let w = try Fixture.seq([6, 4, 3, 3], a: 0.23, b: 0.5, scale: 0.5)
        let b = try Fixture.seq([6], a: 0.7)
        let basic = try F.conv2d(x, weight: w, bias: b)
        XCTAssertEqual(basic.shape, [2, 6, 5, 5])
        try assertMatchesReference(basic, "conv_basic", accuracy: 1e-5)
        try assertMatchesReference(F.conv2d(x, weight: w, bias: b, stride: (2, 2), padding: (1, 1)), "conv_s2p1")
        try assertMatchesReference(F.conv2d(x, weight: w, padding: (2, 2), dilation: (2, 2)), "conv_dil2p2")
        let wg = try Fixture.seq([6, 2, 3, 3], a: 0.23, b: 0.5, scale: 0.5)
        try assertMatchesReference(F.conv2d(x, weight: wg, bias: b, stride: (2, 1), padding: (1, 0), groups: 2),
                                   "conv_groups2")
    }

    func testConv2dLayerMatchesFunctional() throws {
        let conv = try Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, generator: RandomGenerator(seed: 1))
        try conv.weight.copy_(from: Fixture.seq([6, 4, 3, 3], a: 0.23, b: 0.5, scale: 0.5))
        try conv.bias!.copy_(from: Fixture.seq([6], a: 0.7))
        try assertMatchesReference(conv(Fixture.seq([2, 4, 7, 7])), "conv_s2p1")
    }

    func testLinear() throws {
        let x = try Fixture.seq([3, 5])
        let w = try Fixture.seq([4, 5], a: 0.29, b: 0.1)
        try assertMatchesReference(F.linear(x, weight: w, bias: Fixture.seq([4], a: 0.5)), "linear")
        try assertMatchesReference(F.linear(x, weight: w), "linear_nobias")
    }

    func testEmbedding() throws {
        let weight = try Fixture.seq([6, 3], a: 0.41)
        let idx = try Tensor([Int64(0), 5, 2, 3, 3, 1], shape: [2, 3])
        let e = try F.embedding(idx, weight: weight)
        XCTAssertEqual(e.shape, [2, 3, 3])
        try assertMatchesReference(e, "embedding")
    }

    private func bnInputs() throws -> (x: Tensor, rm: Tensor, rv: Tensor, w: Tensor, b: Tensor) {
        (try Fixture.seq([4, 3, 2, 2]) * 2 + 0.5, try Tensor([Float(0.1), 0.2, 0.3]), try Tensor([Float(1), 1.5, 2]),
         try Tensor([Float(1), 0.5, 2]), try Tensor([Float(0), 0.1, -0.1]))
    }

    func testBatchNormTrainingUpdatesRunningStatistics() throws {
        let (x, rm, rv, w, b) = try bnInputs()
        let y = try F.batchNorm(x, runningMean: rm, runningVar: rv, weight: w, bias: b, training: true, momentum: 0.1)
        try assertMatchesReference(y, "bn_train_out")
        try assertMatchesReference(rm, "bn_train_running_mean", accuracy: 1e-6)
        try assertMatchesReference(rv, "bn_train_running_var", accuracy: 1e-6)
        // running = (1 - momentum) * running + momentum * batch statistic (unbiased variance).
        let batchMean = try x.mean(dims: [0, 2, 3]).toArray(of: Double.self)
        XCTAssertEqual(try rm.toArray(of: Double.self)[1], 0.9 * 0.2 + 0.1 * batchMean[1], accuracy: 1e-6)
        let batchVar = try x.transpose(0, 1).reshape([3, -1]).variance(dims: [1]).toArray(of: Double.self)
        XCTAssertEqual(try rv.toArray(of: Double.self)[2], 0.9 * 2 + 0.1 * batchVar[2], accuracy: 1e-5)
    }

    func testBatchNormEvalUsesRunningStatistics() throws {
        let (x, rm, rv, w, b) = try bnInputs()
        let y = try F.batchNorm(x, runningMean: rm, runningVar: rv, weight: w, bias: b, training: false)
        try assertMatchesReference(y, "bn_eval_out")
        XCTAssertEqual(try rm.toArray(of: Float.self), [0.1, 0.2, 0.3])
        XCTAssertEqual(try rv.toArray(of: Float.self), [1, 1.5, 2])
    }

    func testBatchNorm2dLayerTrainAndEval() throws {
        let (x, _, _, _, _) = try bnInputs()
        let bn = try BatchNorm2d(3)
        _ = try bn(x)
        XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 1)
        let mean = try x.mean(dims: [0, 2, 3]).toArray(of: Double.self)
        try assertValues(bn.runningMean, mean.map { 0.1 * $0 }, accuracy: 1e-6, "running mean")
        bn.eval()
        let before = try bn.runningMean.toArray(of: Float.self)
        let y = try bn(x)
        XCTAssertEqual(try bn.runningMean.toArray(of: Float.self), before)
        XCTAssertEqual(try bn.numBatchesTracked.itemInt(), 1)
        // eval: (x - rm) / sqrt(rv + eps)
        let rv = try bn.runningVar.toArray(of: Double.self)
        let x0 = try x.toArray(of: Double.self)[0]
        XCTAssertEqual(try y.toArray(of: Double.self)[0], (x0 - Double(before[0])) / (rv[0] + 1e-5).squareRoot(), accuracy: 1e-5)
    }

    func testPooling() throws {
        let x = try Fixture.seq([1, 2, 6, 6])
        try assertMatchesReference(F.avgPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1)), "avg_pool_k3s2p1")
        try assertMatchesReference(F.avgPool2d(x, kernel: (2, 2)), "avg_pool_k2")
        try assertMatchesReference(F.maxPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1)), "max_pool_k3s2p1")
        try assertMatchesReference(F.maxPool2d(x, kernel: (2, 2)), "max_pool_k2")
        try assertMatchesReference(F.adaptiveAvgPool2d(Fixture.seq([1, 2, 7, 7]), outputSize: (3, 3)), "adaptive_avg_pool_3x3")
        // Hand-checked: 2x2 blocks of [[1,2],[3,4]].
        let small = try Tensor([Float(1), 2, 3, 4], shape: [1, 1, 2, 2])
        XCTAssertEqual(try F.avgPool2d(small, kernel: (2, 2)).item(), 2.5)
        XCTAssertEqual(try F.maxPool2d(small, kernel: (2, 2)).item(), 4)
    }

    func testUpsampling() throws {
        let x = try Fixture.seq([1, 2, 3, 3])
        try assertMatchesReference(F.upsampleNearest(x, size: (6, 5)), "upsample_nearest_6x5")
        try assertMatchesReference(F.upsampleBilinear(x, size: (5, 7), alignCorners: true), "upsample_bilinear_ac_true")
        try assertMatchesReference(F.upsampleBilinear(x, size: (5, 7), alignCorners: false), "upsample_bilinear_ac_false")
        let small = try Tensor([Float(1), 2, 3, 4], shape: [1, 1, 2, 2])
        XCTAssertEqual(try F.upsampleNearest(small, scale: 2).toArray(of: Float.self),
                       [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        XCTAssertThrowsError(try F.upsampleNearest(Tensor.zeros([2, 2]), scale: 2))
    }

    func testDropout() throws {
        let x = try Tensor.ones([100_000])
        XCTAssertEqual(try F.dropout(x, p: 0, training: true).toArray(of: Float.self), try x.toArray(of: Float.self))
        XCTAssertEqual(try F.dropout(x, p: 0.5, training: false).toArray(of: Float.self), try x.toArray(of: Float.self))
        try Torch.manualSeed(123)
        let y = try F.dropout(x, p: 0.3, training: true).toArray(of: Float.self)
        let zeros = y.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(y.count), 0.3, accuracy: 0.01)
        let kept = Set(y.filter { $0 != 0 })
        XCTAssertEqual(kept.count, 1)
        XCTAssertEqual(Double(kept.first ?? 0), 1 / 0.7, accuracy: 1e-6)
        XCTAssertThrowsError(try F.dropout(x, p: 1.5, training: true))
    }

    func testPadModes() throws {
        let x = try Fixture.seq([1, 2, 3, 4])
        let c = try F.pad(x, [1, 2, 0, 1], mode: .constant, value: 0.5)
        XCTAssertEqual(c.shape, [1, 2, 4, 7])
        try assertMatchesReference(c, "pad_constant")
        try assertMatchesReference(F.pad(x, [1, 1, 2, 1], mode: .reflect), "pad_reflect")
        try assertMatchesReference(F.pad(x, [2, 1, 1, 2], mode: .replicate), "pad_replicate")
        let row = try Tensor([Float(1), 2, 3], shape: [1, 1, 3])
        XCTAssertEqual(try F.pad(row, [2, 1], mode: .reflect).toArray(of: Float.self), [3, 2, 1, 2, 3, 2])
        XCTAssertEqual(try F.pad(row, [1, 2], mode: .replicate).toArray(of: Float.self), [1, 1, 2, 3, 3, 3])
    }
}
