/// BigGAN-PyTorch's per-resolution architecture tables (channel multipliers of `ch`), walked by the
/// network constructors instead of branching in code.
public struct Architecture: Equatable, Sendable {
    public struct GeneratorBlock: Equatable, Sendable {
        public var inMultiplier: Int
        public var outMultiplier: Int
        /// Spatial width of the block's output.
        public var width: Int
    }

    public struct DiscriminatorBlock: Equatable, Sendable {
        public var inMultiplier: Int // 0 means the 3 image channels
        public var outMultiplier: Int
        public var downsample: Bool
        public var width: Int
    }

    public var resolution: Int
    public var bottomWidth = 4
    public var generator: [GeneratorBlock]
    public var discriminator: [DiscriminatorBlock]

    public init(resolution: Int) throws {
        self.resolution = resolution
        let gIn: [Int], gOut: [Int], dIn: [Int], dOut: [Int], down: [Bool]
        switch resolution {
        case 256:
            gIn = [16, 16, 8, 8, 4, 2]; gOut = [16, 8, 8, 4, 2, 1]
            dIn = [0, 1, 2, 4, 8, 8, 16]; dOut = [1, 2, 4, 8, 8, 16, 16]; down = [true, true, true, true, true, true, false]
        case 128:
            gIn = [16, 16, 8, 4, 2]; gOut = [16, 8, 4, 2, 1]
            dIn = [0, 1, 2, 4, 8, 16]; dOut = [1, 2, 4, 8, 16, 16]; down = [true, true, true, true, true, false]
        case 64:
            gIn = [16, 16, 8, 4]; gOut = [16, 8, 4, 2]
            dIn = [0, 1, 2, 4, 8]; dOut = [1, 2, 4, 8, 16]; down = [true, true, true, true, false]
        case 32:
            // CIFAR tables (4*ch throughout). Unlike BigGAN's CIFAR D (16, 8, 8, 8), our D downsamples to
            // 4x4 so that the deepest, most semantic fusion level exists at 32 as at other resolutions.
            gIn = [4, 4, 4]; gOut = [4, 4, 4]
            dIn = [0, 4, 4, 4]; dOut = [4, 4, 4, 4]; down = [true, true, true, false]
        default:
            throw ModelError.unsupportedResolution(resolution)
        }
        var w = bottomWidth
        generator = zip(gIn, gOut).map { i, o in
            w *= 2
            return GeneratorBlock(inMultiplier: i, outMultiplier: o, width: w)
        }
        var dw = resolution
        discriminator = (0..<dIn.count).map { k in
            if down[k] { dw /= 2 }
            return DiscriminatorBlock(inMultiplier: dIn[k], outMultiplier: dOut[k], downsample: down[k], width: dw)
        }
    }

    /// Widths where both the encoder (D's blocks) and the generator have features, from 4 up to R/4.
    public var fusableWidths: [Int] {
        let encoder = Set(discriminator.map(\.width))
        let gen = Set([bottomWidth] + generator.map(\.width))
        return encoder.intersection(gen).filter { $0 >= 4 && $0 <= resolution / 4 }.sorted(by: >)
    }

    /// The paper's four levels at 128 (32, 16, 8, 4); at 256 the four deepest; otherwise every fusable width.
    public var defaultFusionLevels: [Int] { Array(fusableWidths.suffix(4)) }

    /// Encoder channels (multiplier of D's ch) of the feature at `width`: the last block at that width.
    public func encoderMultiplier(width: Int) -> Int? {
        discriminator.last(where: { $0.width == width })?.outMultiplier
    }

    /// Generator channels (multiplier of G's ch) of the activation at `width`.
    public func generatorMultiplier(width: Int) -> Int? {
        if width == bottomWidth { return generator.first?.inMultiplier }
        return generator.first(where: { $0.width == width })?.outMultiplier
    }
}
