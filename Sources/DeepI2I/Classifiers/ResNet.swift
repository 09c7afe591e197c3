import Foundation
import Torch

/// Classifier backbones for RC/FC, with torchvision's key names (conv1, bn1, layerN.M.convK,
/// downsample.0/1, fc) so torchvision checkpoints load.
public enum ClassifierArch: String, Codable, CaseIterable, Sendable {
    /// ResNet-18 layout for 32/64 px images (CIFAR-style 3x3 stride-1 stem, no max pool) at half
    /// width (32..256 channels): small data and CPU budgets. The default.
    case resnet18Small = "resnet18-small"
    /// torchvision ResNet-50 plus one linear layer, as in the paper.
    case resnet50

    var baseWidth: Int { self == .resnet50 ? 64 : 32 }
    var blockCounts: [Int] { self == .resnet50 ? [3, 4, 6, 3] : [2, 2, 2, 2] }
    var bottleneck: Bool { self == .resnet50 }
    /// Penultimate feature width.
    public var featureDimension: Int { bottleneck ? baseWidth * 8 * 4 : baseWidth * 8 }
}

/// Conv without bias (ResNets put a BatchNorm after every conv).
private func conv(_ cin: Int, _ cout: Int, _ k: Int, stride: Int = 1, _ g: RandomGenerator?) throws -> Conv2d {
    try Conv2d(cin, cout, kernelSize: k, stride: stride, padding: k / 2, bias: false, generator: g)
}

final class BasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: (conv: Conv2d, bn: BatchNorm2d)?

    init(_ cin: Int, _ cout: Int, stride: Int, _ g: RandomGenerator?) throws {
        conv1 = try conv(cin, cout, 3, stride: stride, g); bn1 = try BatchNorm2d(cout)
        conv2 = try conv(cout, cout, 3, g); bn2 = try BatchNorm2d(cout)
        downsample = (stride != 1 || cin != cout) ? (try conv(cin, cout, 1, stride: stride, g), try BatchNorm2d(cout)) : nil
        super.init()
        registerModule("conv1", conv1); registerModule("bn1", bn1)
        registerModule("conv2", conv2); registerModule("bn2", bn2)
        if let downsample { registerShortcut(self, downsample) }
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try bn2(conv2(bn1(conv1(x)).relu()))
        let shortcut = try downsample.map { try $0.bn($0.conv(x)) } ?? x
        return try (h + shortcut).relu()
    }
}

final class Bottleneck: Module {
    static let expansion = 4
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d, conv3: Conv2d, bn3: BatchNorm2d
    let downsample: (conv: Conv2d, bn: BatchNorm2d)?

    init(_ cin: Int, _ width: Int, stride: Int, _ g: RandomGenerator?) throws {
        let cout = width * Self.expansion
        conv1 = try conv(cin, width, 1, g); bn1 = try BatchNorm2d(width)
        conv2 = try conv(width, width, 3, stride: stride, g); bn2 = try BatchNorm2d(width)  // torchvision v1.5: stride on the 3x3
        conv3 = try conv(width, cout, 1, g); bn3 = try BatchNorm2d(cout)
        downsample = (stride != 1 || cin != cout) ? (try conv(cin, cout, 1, stride: stride, g), try BatchNorm2d(cout)) : nil
        super.init()
        registerModule("conv1", conv1); registerModule("bn1", bn1)
        registerModule("conv2", conv2); registerModule("bn2", bn2)
        registerModule("conv3", conv3); registerModule("bn3", bn3)
        if let downsample { registerShortcut(self, downsample) }
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try bn3(conv3(bn2(conv2(bn1(conv1(x)).relu())).relu()))
        let shortcut = try downsample.map { try $0.bn($0.conv(x)) } ?? x
        return try (h + shortcut).relu()
    }
}

/// torchvision names the projection shortcut `downsample` = Sequential(conv, bn): keys downsample.0/1.
private func registerShortcut(_ owner: Module, _ shortcut: (conv: Conv2d, bn: BatchNorm2d)) {
    let seq = Module()
    seq.registerModule("0", shortcut.conv)
    seq.registerModule("1", shortcut.bn)
    owner.registerModule("downsample", seq)
}

/// A ResNet image classifier on [-1, 1] images.
public final class ResNetClassifier: Module {
    public let arch: ClassifierArch
    public let classCount: Int
    let conv1: Conv2d, bn1: BatchNorm2d
    let stages: [[(Tensor) throws -> Tensor]]
    let fc: Linear
    private var blocks: [Module] = []

    public init(arch: ClassifierArch, classCount: Int, generator: RandomGenerator? = nil) throws {
        guard classCount >= 2 else { throw EvaluationError.classifier("a classifier needs at least 2 classes, got \(classCount)") }
        self.arch = arch
        self.classCount = classCount
        let w = arch.baseWidth
        // ImageNet ResNets use a 7x7/2 stem + max pool; the small variant keeps 32 px spatial detail.
        conv1 = arch == .resnet50
            ? try Conv2d(3, w, kernelSize: 7, stride: 2, padding: 3, bias: false, generator: generator)
            : try conv(3, w, 3, generator)
        bn1 = try BatchNorm2d(w)
        var cin = w
        var built: [[Module]] = []
        var stageFns: [[(Tensor) throws -> Tensor]] = []
        for (i, count) in arch.blockCounts.enumerated() {
            let width = w << i
            var stage: [Module] = [], fns: [(Tensor) throws -> Tensor] = []
            for j in 0..<count {
                let stride = (i > 0 && j == 0) ? 2 : 1
                if arch.bottleneck {
                    let b = try Bottleneck(cin, width, stride: stride, generator)
                    cin = width * Bottleneck.expansion
                    stage.append(b); fns.append { [unowned b] in try b($0) }
                } else {
                    let b = try BasicBlock(cin, width, stride: stride, generator)
                    cin = width
                    stage.append(b); fns.append { [unowned b] in try b($0) }
                }
            }
            built.append(stage); stageFns.append(fns)
        }
        stages = stageFns
        fc = try Linear(cin, classCount, generator: generator)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        for (i, stage) in built.enumerated() {
            let layer = registerModule("layer\(i + 1)", ModuleList())
            for b in stage { layer.append(b) }
            blocks += stage
        }
        registerModule("fc", fc)
    }

    /// Penultimate features: global average of the last stage, [N, featureDimension].
    public func features(_ images: Tensor) throws -> Tensor {
        var x = try bn1(conv1(images)).relu()
        if arch == .resnet50 { x = try Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        for stage in stages { for block in stage { x = try block(x) } }
        return try x.mean(dims: [2, 3])
    }

    /// Class logits [N, classCount].
    public func callAsFunction(_ images: Tensor) throws -> Tensor { try fc(features(images)) }
}
