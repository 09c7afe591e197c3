import DeepI2I
import Foundation
import ImageIO
import Torch

/// What the inference commands and the server need of a loaded model, whatever its family: the target
/// domains, input preparation, translation and morphs. `Translator` (BigGAN, many classes) and
/// `StyleGANTranslator` (one target domain) conform; `loadImageTranslator` picks by the model directory's family.
public protocol ImageTranslator: AnyObject {
    var domains: TargetDomains { get }
    func prepare(_ image: DecodedImage) -> RGBImage
    /// result[input][sample][class], classes as resolved against `domains`.
    func translate(_ inputs: [RGBImage], classes: [Int], samples: Int, seed: UInt64, truncation: Double, batchSize: Int,
                   progress: ((_ done: Int, _ total: Int) -> Void)?) throws -> [[[RGBImage]]]
    func morph(_ input: RGBImage, along path: MorphPath, steps: Int, seed: UInt64, truncation: Double,
               batchSize: Int) throws -> [RGBImage]
}

/// The target domains a model translates into: a BigGAN model's classes, or a StyleGAN model's one domain.
public struct TargetDomains: Sendable, Equatable {
    public var family: String
    /// Class names; empty for a BigGAN model without names (indices then).
    public var names: [String]
    /// Classes a user can pick.
    public var count: Int
    public var resolution: Int

    public init(family: String, names: [String], count: Int, resolution: Int) {
        self.family = family
        self.names = names
        self.count = count
        self.resolution = resolution
    }

    public init(_ config: ModelConfig) {
        self.init(family: ModelFamily.biggan, names: config.classNames,
                  count: config.classNames.isEmpty ? config.classCount : config.classNames.count, resolution: config.resolution)
    }

    /// A model with one target domain (StyleGAN): no class to choose, morphs go between samples or inputs.
    public var isSingleDomain: Bool { family == ModelFamily.stylegan }

    /// A printable name for class `k` (its index when the model has no names).
    public func name(of k: Int) -> String { k < names.count ? names[k] : String(k) }
}

/// What a morph interpolates.
public enum MorphPath: Sendable, Equatable {
    /// BigGAN: the class embedding along classes (at least two).
    case classes([Int])
    /// StyleGAN: the styles of two samples of the seed.
    case samples(from: Int, to: Int)
    /// StyleGAN: the adapted encoder features of the input and a second input, at one sample.
    case inputs(to: RGBImage, sample: Int)
}

extension Translator: ImageTranslator {
    public var domains: TargetDomains { TargetDomains(config) }

    public func morph(_ input: RGBImage, along path: MorphPath, steps: Int, seed: UInt64, truncation: Double,
                      batchSize: Int) throws -> [RGBImage] {
        guard case .classes(let classes) = path else {
            throw ModelError.badInput("a BigGAN model morphs between classes (--from/--to), not between samples or inputs")
        }
        return try morph(input, path: classes, steps: steps, seed: seed, truncation: truncation, batchSize: batchSize)
    }
}

extension StyleGANTranslator: ImageTranslator {
    public var domains: TargetDomains {
        TargetDomains(family: ModelFamily.stylegan, names: [targetName], count: 1, resolution: resolution)
    }

    public func translate(_ inputs: [RGBImage], classes: [Int], samples: Int, seed: UInt64, truncation: Double, batchSize: Int,
                          progress: ((_ done: Int, _ total: Int) -> Void)?) throws -> [[[RGBImage]]] {
        guard classes == [0] else {
            throw ModelError.badInput("a StyleGAN model translates into its one target domain ('\(targetName)'), not into classes \(classes)")
        }
        return try translate(inputs, samples: samples, seed: seed, truncation: truncation, batchSize: batchSize,
                             progress: progress).map { $0.map { [$0] } }
    }

    public func morph(_ input: RGBImage, along path: MorphPath, steps: Int, seed: UInt64, truncation: Double,
                      batchSize: Int) throws -> [RGBImage] {
        switch path {
        case .classes:
            throw ModelError.badInput("a StyleGAN model has one target domain ('\(targetName)'): it morphs between samples or inputs, not classes")
        case let .samples(a, b):
            return try morph(input, fromSample: a, toSample: b, steps: steps, seed: seed, truncation: truncation, batchSize: batchSize)
        case let .inputs(other, sample):
            return try morph(from: input, to: other, sample: sample, steps: steps, seed: seed, truncation: truncation,
                             batchSize: batchSize)
        }
    }
}

/// Loads the translation networks of a model directory of either family onto `device`.
public func loadImageTranslator(_ dir: URL, device: Device = .cpu) throws -> any ImageTranslator {
    switch try ModelFamily.of(directory: dir) {
    case ModelFamily.stylegan:
        return try StyleGANTranslator.load(dir, device: device)
    default:
        let (model, _) = try ModelDirectory.load(dir, networks: .translation, device: device)
        return Translator(model: model)
    }
}
