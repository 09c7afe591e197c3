import XCTest
@testable import Torch

/// Finite-difference checks of libtorch's analytic gradients through the Swift API, in Float64.
final class GradCheckTests: XCTestCase {
    typealias F = Functional

    private func seq(_ shape: [Int], a: Double = 0.37, b: Double = 0, scale: Double = 1) throws -> Tensor {
        try Fixture.seq(shape, a: a, b: b, scale: scale, dtype: .f64)
    }

    func testConv2d() throws {
        try gradCheck("conv2d", f: { try F.conv2d($0[0], weight: $0[1], bias: $0[2]) },
                      inputs: [seq([1, 2, 5, 5]), seq([3, 2, 3, 3], a: 0.23, b: 0.5), seq([3], a: 0.7)])
        try gradCheck("conv2d stride 2 padding 1", f: {
            try F.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        }, inputs: [seq([2, 2, 5, 4]), seq([2, 2, 3, 3], a: 0.23, b: 0.5), seq([2], a: 0.7)])
        try gradCheck("conv2d groups dilation", f: {
            try F.conv2d($0[0], weight: $0[1], padding: (2, 2), dilation: (2, 2), groups: 2)
        }, inputs: [seq([1, 4, 4, 4]), seq([2, 2, 3, 3], a: 0.23, b: 0.5)])
    }

    func testLinear() throws {
        try gradCheck("linear", f: { try F.linear($0[0], weight: $0[1], bias: $0[2]) },
                      inputs: [seq([3, 5]), seq([4, 5], a: 0.29), seq([4], a: 0.5)])
    }

    func testEmbeddingWithRespectToWeight() throws {
        let idx = try Tensor([Int64(0), 4, 2, 4, 1], shape: [5])
        try gradCheck("embedding", f: { try F.embedding(idx, weight: $0[0]) }, inputs: [seq([5, 3], a: 0.41)])
    }

    func testBatchNormTraining() throws {
        try gradCheck("batch_norm train", f: {
            try F.batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true)
        }, inputs: [seq([3, 2, 2, 3], scale: 2), seq([2], a: 1.1, b: 0.5), seq([2], a: 0.9, b: 0.2)])
    }

    func testPooling() throws {
        try gradCheck("avg_pool2d", f: { try F.avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
                      inputs: [seq([1, 2, 5, 5])])
        try gradCheck("max_pool2d", f: { try F.maxPool2d($0[0], kernel: (2, 2)) }, inputs: [seq([1, 2, 4, 4])])
        try gradCheck("adaptive_avg_pool2d", f: { try F.adaptiveAvgPool2d($0[0], outputSize: (2, 3)) },
                      inputs: [seq([1, 1, 5, 5])])
    }

    func testUpsampleNearest() throws {
        try gradCheck("upsample nearest", f: { try F.upsampleNearest($0[0], scale: 2) }, inputs: [seq([1, 2, 3, 3])])
        try gradCheck("upsample bilinear", f: { try F.upsampleBilinear($0[0], size: (5, 4), alignCorners: false) },
                      inputs: [seq([1, 1, 3, 3])])
    }

    func testActivations() throws {
        let x = try seq([3, 4], b: 0.1, scale: 2)
        try gradCheck("relu", f: { try $0[0].relu() }, inputs: [x])
        try gradCheck("leaky_relu", f: { try $0[0].leakyRelu(slope: 0.2) }, inputs: [x])
        try gradCheck("tanh", f: { try $0[0].tanh() }, inputs: [x])
        try gradCheck("sigmoid", f: { try $0[0].sigmoid() }, inputs: [x])
        try gradCheck("softmax", f: { try $0[0].softmax(dim: 1) }, inputs: [x])
        try gradCheck("log_softmax", f: { try $0[0].logSoftmax(dim: 0) }, inputs: [x])
        try gradCheck("normalize", f: { try $0[0].normalized(p: 2, dim: 1) }, inputs: [x])
    }

    func testMatmulAndBmm() throws {
        try gradCheck("matmul", f: { try $0[0].matmul($0[1]) }, inputs: [seq([3, 4]), seq([4, 2], a: 0.21)])
        try gradCheck("bmm", f: { try $0[0].bmm($0[1]) }, inputs: [seq([2, 2, 3]), seq([2, 3, 2], a: 0.17)])
    }

    func testReductions() throws {
        try gradCheck("sum", f: { try $0[0].sum(dims: [1]) }, inputs: [seq([2, 3, 2])])
        try gradCheck("mean", f: { try $0[0].mean() }, inputs: [seq([2, 3])])
        try gradCheck("mean keepdim", f: { try $0[0].mean(dims: [0, 2], keepDim: true) }, inputs: [seq([2, 3, 2])])
    }

    func testLosses() throws {
        let target = try seq([3, 4], a: 0.53, b: 1)
        try gradCheck("mse", f: { try F.mseLoss($0[0], $0[1]) }, inputs: [seq([3, 4]), seq([3, 4], a: 0.53, b: 1)])
        try gradCheck("l1", f: { try F.l1Loss($0[0], target, reduction: .sum) }, inputs: [seq([3, 4])])
        let classes = try Tensor([Int64(1), 0, 4])
        try gradCheck("cross_entropy", f: { try F.crossEntropy($0[0], targets: classes) }, inputs: [seq([3, 5], scale: 2)])
        try gradCheck("cross_entropy smoothed", f: { try F.crossEntropy($0[0], targets: classes, labelSmoothing: 0.2) },
                      inputs: [seq([3, 5], scale: 2)])
        let probabilities = try (seq([2, 3], a: 0.29) + 1) / 2
        try gradCheck("bce_with_logits", f: { try F.binaryCrossEntropyWithLogits($0[0], targets: probabilities) },
                      inputs: [seq([2, 3], scale: 2)])
    }

    func testShapeOps() throws {
        try gradCheck("cat", f: { try Tensor.cat([$0[0], $0[1]], dim: 1) }, inputs: [seq([2, 2]), seq([2, 3], a: 0.5)])
        try gradCheck("stack", f: { try Tensor.stack([$0[0], $0[1]], dim: 0) }, inputs: [seq([2, 2]), seq([2, 2], a: 0.5)])
        try gradCheck("split", f: { inputs in
            let parts = try inputs[0].split(size: 2, dim: 1)
            return try parts[0] * 2 + parts[1].pow(2).sum(dims: [1], keepDim: true)
        }, inputs: [seq([3, 4])])
        try gradCheck("reshape permute", f: { try $0[0].reshape([3, 2, 2]).permute([2, 0, 1]) * $0[0].reshape([2, 2, 3]).permute([0, 2, 1]) },
                      inputs: [seq([3, 4])])
    }

    func testPowSqrtExpLog() throws {
        let pos = try seq([2, 3]).abs() + 0.5
        try gradCheck("pow", f: { try $0[0].pow(2.5) }, inputs: [pos.clone()])
        try gradCheck("pow tensor exponent", f: { try $0[0].pow($0[1]) }, inputs: [pos.clone(), seq([2, 3], a: 0.3)])
        try gradCheck("sqrt", f: { try $0[0].sqrt() }, inputs: [pos.clone()])
        try gradCheck("exp", f: { try $0[0].exp() }, inputs: [seq([2, 3])])
        try gradCheck("log", f: { try $0[0].log() }, inputs: [pos.clone()])
    }
}
