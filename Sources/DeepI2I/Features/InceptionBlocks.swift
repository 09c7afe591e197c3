import Foundation
import Torch

// The convolution unit and the mixed blocks of the FID Inception-v3 (torchvision layout, pytorch-fid variants).

/// torchvision's BasicConv2d: bias-free conv, BatchNorm(eps 0.001), ReLU; keys `conv.weight`, `bn.*`.
final class BasicConv2d: Module {
    let weight: Tensor
    let bn: BatchNorm2d
    let stride: (Int, Int), padding: (Int, Int)

    init(_ cin: Int, _ cout: Int, kernel: (Int, Int), stride: Int = 1, padding: (Int, Int) = (0, 0),
         generator: RandomGenerator?) throws {
        let bound = 1.0 / Double(cin * kernel.0 * kernel.1).squareRoot()
        weight = try Tensor.empty([cout, cin, kernel.0, kernel.1]).uniform_(from: -bound, to: bound, generator: generator)
        bn = try BatchNorm2d(cout, eps: 0.001)
        self.stride = (stride, stride)
        self.padding = padding
        super.init()
        let conv = Module()
        try conv.registerParameter("weight", weight)
        registerModule("conv", conv)
        registerModule("bn", bn)
    }

    convenience init(_ cin: Int, _ cout: Int, k: Int, stride: Int = 1, pad: Int = 0, generator: RandomGenerator?) throws {
        try self.init(cin, cout, kernel: (k, k), stride: stride, padding: (pad, pad), generator: generator)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try bn(Functional.conv2d(x, weight: weight, stride: stride, padding: padding)).relu()
    }
}

/// Builds named BasicConv2d children and applies them by name.
class InceptionBlock: Module {
    private var convs: [String: BasicConv2d] = [:]
    let generator: RandomGenerator?

    init(generator: RandomGenerator?) { self.generator = generator; super.init() }

    func add(_ name: String, _ cin: Int, _ cout: Int, kernel: (Int, Int), stride: Int = 1, padding: (Int, Int) = (0, 0)) throws {
        convs[name] = registerModule(name, try BasicConv2d(cin, cout, kernel: kernel, stride: stride, padding: padding, generator: generator))
    }

    func add(_ name: String, _ cin: Int, _ cout: Int, k: Int, stride: Int = 1, pad: Int = 0) throws {
        try add(name, cin, cout, kernel: (k, k), stride: stride, padding: (pad, pad))
    }

    func c(_ name: String, _ x: Tensor) throws -> Tensor {
        guard let conv = convs[name] else { throw EvaluationError.invalidArgument("Inception block has no conv '\(name)'") }
        return try conv(x)
    }

    /// The FID network's average pools exclude padding from the count (the TF graph's behaviour).
    func avgPool3(_ x: Tensor) throws -> Tensor {
        try Functional.avgPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false)
    }
}

/// pytorch-fid's FIDInceptionA (Mixed_5b/c/d).
final class FIDInceptionA: InceptionBlock {
    init(_ cin: Int, poolFeatures: Int, generator: RandomGenerator?) throws {
        super.init(generator: generator)
        try add("branch1x1", cin, 64, k: 1)
        try add("branch5x5_1", cin, 48, k: 1)
        try add("branch5x5_2", 48, 64, k: 5, pad: 2)
        try add("branch3x3dbl_1", cin, 64, k: 1)
        try add("branch3x3dbl_2", 64, 96, k: 3, pad: 1)
        try add("branch3x3dbl_3", 96, 96, k: 3, pad: 1)
        try add("branch_pool", cin, poolFeatures, k: 1)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.cat([
            c("branch1x1", x),
            c("branch5x5_2", c("branch5x5_1", x)),
            c("branch3x3dbl_3", c("branch3x3dbl_2", c("branch3x3dbl_1", x))),
            c("branch_pool", avgPool3(x)),
        ], dim: 1)
    }
}

/// torchvision's InceptionB (Mixed_6a), unchanged in the FID network.
final class InceptionB: InceptionBlock {
    init(_ cin: Int, generator: RandomGenerator?) throws {
        super.init(generator: generator)
        try add("branch3x3", cin, 384, k: 3, stride: 2)
        try add("branch3x3dbl_1", cin, 64, k: 1)
        try add("branch3x3dbl_2", 64, 96, k: 3, pad: 1)
        try add("branch3x3dbl_3", 96, 96, k: 3, stride: 2)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.cat([
            c("branch3x3", x),
            c("branch3x3dbl_3", c("branch3x3dbl_2", c("branch3x3dbl_1", x))),
            Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2)),
        ], dim: 1)
    }
}

/// pytorch-fid's FIDInceptionC (Mixed_6b..e).
final class FIDInceptionC: InceptionBlock {
    init(_ cin: Int, channels7x7 c7: Int, generator: RandomGenerator?) throws {
        super.init(generator: generator)
        try add("branch1x1", cin, 192, k: 1)
        try add("branch7x7_1", cin, c7, k: 1)
        try add("branch7x7_2", c7, c7, kernel: (1, 7), padding: (0, 3))
        try add("branch7x7_3", c7, 192, kernel: (7, 1), padding: (3, 0))
        try add("branch7x7dbl_1", cin, c7, k: 1)
        try add("branch7x7dbl_2", c7, c7, kernel: (7, 1), padding: (3, 0))
        try add("branch7x7dbl_3", c7, c7, kernel: (1, 7), padding: (0, 3))
        try add("branch7x7dbl_4", c7, c7, kernel: (7, 1), padding: (3, 0))
        try add("branch7x7dbl_5", c7, 192, kernel: (1, 7), padding: (0, 3))
        try add("branch_pool", cin, 192, k: 1)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var dbl = try c("branch7x7dbl_1", x)
        for i in 2...5 { dbl = try c("branch7x7dbl_\(i)", dbl) }
        return try Tensor.cat([
            c("branch1x1", x),
            c("branch7x7_3", c("branch7x7_2", c("branch7x7_1", x))),
            dbl,
            c("branch_pool", avgPool3(x)),
        ], dim: 1)
    }
}

/// torchvision's InceptionD (Mixed_7a), unchanged in the FID network.
final class InceptionD: InceptionBlock {
    init(_ cin: Int, generator: RandomGenerator?) throws {
        super.init(generator: generator)
        try add("branch3x3_1", cin, 192, k: 1)
        try add("branch3x3_2", 192, 320, k: 3, stride: 2)
        try add("branch7x7x3_1", cin, 192, k: 1)
        try add("branch7x7x3_2", 192, 192, kernel: (1, 7), padding: (0, 3))
        try add("branch7x7x3_3", 192, 192, kernel: (7, 1), padding: (3, 0))
        try add("branch7x7x3_4", 192, 192, k: 3, stride: 2)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.cat([
            c("branch3x3_2", c("branch3x3_1", x)),
            c("branch7x7x3_4", c("branch7x7x3_3", c("branch7x7x3_2", c("branch7x7x3_1", x)))),
            Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2)),
        ], dim: 1)
    }
}

/// pytorch-fid's FIDInceptionE_1 (Mixed_7b: average pool without padding in the count) and
/// FIDInceptionE_2 (Mixed_7c: max pool, a bug in the TF graph that FID keeps).
final class FIDInceptionE: InceptionBlock {
    let maxPoolBranch: Bool

    init(_ cin: Int, maxPoolBranch: Bool, generator: RandomGenerator?) throws {
        self.maxPoolBranch = maxPoolBranch
        super.init(generator: generator)
        try add("branch1x1", cin, 320, k: 1)
        try add("branch3x3_1", cin, 384, k: 1)
        try add("branch3x3_2a", 384, 384, kernel: (1, 3), padding: (0, 1))
        try add("branch3x3_2b", 384, 384, kernel: (3, 1), padding: (1, 0))
        try add("branch3x3dbl_1", cin, 448, k: 1)
        try add("branch3x3dbl_2", 448, 384, k: 3, pad: 1)
        try add("branch3x3dbl_3a", 384, 384, kernel: (1, 3), padding: (0, 1))
        try add("branch3x3dbl_3b", 384, 384, kernel: (3, 1), padding: (1, 0))
        try add("branch_pool", cin, 192, k: 1)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let b3 = try c("branch3x3_1", x)
        let d3 = try c("branch3x3dbl_2", c("branch3x3dbl_1", x))
        let pooled = maxPoolBranch
            ? try Functional.maxPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1))
            : try avgPool3(x)
        return try Tensor.cat([
            c("branch1x1", x),
            Tensor.cat([c("branch3x3_2a", b3), c("branch3x3_2b", b3)], dim: 1),
            Tensor.cat([c("branch3x3dbl_3a", d3), c("branch3x3dbl_3b", d3)], dim: 1),
            c("branch_pool", pooled),
        ], dim: 1)
    }
}
