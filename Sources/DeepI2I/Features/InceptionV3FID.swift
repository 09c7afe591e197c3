import Foundation
import Torch
import Support

/// The Inception-v3 network of FID (pytorch-fid's `fid_inception_v3`, a port of the TF graph
/// `pt_inception-2015-12-05`): torchvision Inception3 with the FID variants of blocks A, C and E;
/// 2048-d pool3 features. Input: bilinear resize to 299 (align_corners=False), values in [-1, 1]
/// (pytorch-fid's normalize_input maps [0, 1] to this range; ours already are).
public final class InceptionV3FID: Module, FeatureExtractor {
    public static let inputSize = 299
    public static let weightsFileName = "pt_inception-2015-12-05-6726825d.pth"
    public static let weightsURL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
    /// torch.hub's check: the file name's hash is the first 8 hex digits of the file's SHA-256.
    public static let weightsSHA256Prefix = "6726825d"

    let stemConvs: [BasicConv2d]
    let mixed5: [FIDInceptionA], mixed6a: InceptionB, mixed6: [FIDInceptionC], mixed7a: InceptionD, mixed7: [FIDInceptionE]
    public private(set) var weightsDescription = "random weights"

    public var name: String { "inception-v3-fid (\(weightsDescription); 299 px bilinear; pool3 2048-d)" }
    public var dimension: Int { 2048 }

    public init(generator: RandomGenerator? = nil) throws {
        let g = generator
        stemConvs = [
            try BasicConv2d(3, 32, k: 3, stride: 2, generator: g), try BasicConv2d(32, 32, k: 3, generator: g),
            try BasicConv2d(32, 64, k: 3, pad: 1, generator: g), try BasicConv2d(64, 80, k: 1, generator: g),
            try BasicConv2d(80, 192, k: 3, generator: g),
        ]
        mixed5 = [try FIDInceptionA(192, poolFeatures: 32, generator: g), try FIDInceptionA(256, poolFeatures: 64, generator: g),
                  try FIDInceptionA(288, poolFeatures: 64, generator: g)]
        mixed6a = try InceptionB(288, generator: g)
        mixed6 = try [128, 160, 160, 192].map { try FIDInceptionC(768, channels7x7: $0, generator: g) }
        mixed7a = try InceptionD(768, generator: g)
        mixed7 = [try FIDInceptionE(1280, maxPoolBranch: false, generator: g), try FIDInceptionE(2048, maxPoolBranch: true, generator: g)]
        super.init()
        for (name, conv) in zip(["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"], stemConvs) {
            registerModule(name, conv)
        }
        for (name, block) in zip(["Mixed_5b", "Mixed_5c", "Mixed_5d"], mixed5) { registerModule(name, block) }
        registerModule("Mixed_6a", mixed6a)
        for (name, block) in zip(["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"], mixed6) { registerModule(name, block) }
        registerModule("Mixed_7a", mixed7a)
        for (name, block) in zip(["Mixed_7b", "Mixed_7c"], mixed7) { registerModule(name, block) }
        eval()
    }

    /// The FID weights from `url`: strict load of the feature layers; the classifier (`fc`, 1008
    /// classes) and AuxLogits are dropped, and `num_batches_tracked` (absent from older files) is
    /// not required.
    public func loadWeights(from url: URL) throws {
        var source = try StateDictFile.readDictionary(url, device: parameters().first?.device ?? .cpu)
        for (name, tensor) in stateDict() where name.hasSuffix("num_batches_tracked") && source[name] == nil {
            source[name] = tensor
        }
        try loadStateDict(source, strict: true) { $0.hasPrefix("fc.") || $0.hasPrefix("AuxLogits.") }
        weightsDescription = "FID weights \(url.lastPathComponent)"
    }

    public func features(_ images: Tensor) throws -> Tensor {
        var x = try resizedBilinear(images, to: Self.inputSize)
        x = try stemConvs[2](stemConvs[1](stemConvs[0](x)))
        x = try Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2))
        x = try stemConvs[4](stemConvs[3](x))
        x = try Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2))
        for block in mixed5 { x = try block(x) }
        x = try mixed6a(x)
        for block in mixed6 { x = try block(x) }
        x = try mixed7a(x)
        for block in mixed7 { x = try block(x) }
        return try x.mean(dims: [2, 3])
    }
}
