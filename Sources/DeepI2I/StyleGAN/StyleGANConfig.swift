import Foundation

/// The configuration of DeepI2I's StyleGAN family (rosinality's StyleGAN v1 as the official
/// `DeepI2I_StyleGAN/model.py` uses it), with the official values as defaults. Channel counts are the
/// official table divided by `channelDivisor` (1 is official; the golden vectors use 8).
public struct StyleGANConfig: Codable, Equatable, Sendable {
    /// Output width 4 * 2^step; 6 is 256 px, the official DeepI2I resolution.
    public var step: Int = 6
    /// Every channel count (and the style dimension's default) is the official one divided by this.
    public var channelDivisor: Int = 1
    /// The style (and z) dimension: 512 officially.
    public var codeDim: Int = 512
    /// Linear layers of the mapping network.
    public var mappingLayers: Int = 8
    /// Fused up/down-sampling convolutions from 128 px up (official default true).
    public var fused: Bool = true
    /// `from_rgb` followed by LeakyReLU(0.2) (train.py passes true).
    public var fromRGBActivate: Bool = true
    /// E1_fea_w: weight of A(E(x)) added to G's output at each width (0 switches a width off).
    public var fusionWeights: [Int: Double] = StyleGANConfig.officialLevelWeights
    /// D_fea_w: weights of the D-feature reconstruction loss by width.
    public var reconstructionWeights: [Int: Double] = StyleGANConfig.officialLevelWeights

    /// RESOLUTION of model.py: the widths where E features are taken and fused.
    public static let fusionWidths = [64, 32, 16, 8, 4]
    public static let officialLevelWeights: [Int: Double] = [4: 0.1, 8: 0.1, 16: 0.1, 32: 0.1, 64: 0]
    /// Generator block output channels at widths 4, 8, ..., 1024 (official).
    public static let generatorTable = [512, 512, 512, 512, 256, 128, 64, 32, 16]
    /// Discriminator block (input, output) channels from 1024 px down to 4 px (official); the last
    /// block's input gains the minibatch-stddev channel.
    public static let discriminatorTable = [(16, 32), (32, 64), (64, 128), (128, 256), (256, 512),
                                            (512, 512), (512, 512), (512, 512), (512, 512)]
    /// Number of blocks the official networks always build (4 px to 1024 px).
    public static let blockCount = 9
    /// Blocks from this index up (128 px and wider in G, 1024 to 128 px in D) use fused resampling.
    public static let fusedFromGeneratorBlock = 5
    public static let fusedBelowDiscriminatorBlock = 4

    public init(step: Int = 6, channelDivisor: Int = 1, codeDim: Int? = nil, mappingLayers: Int = 8) throws {
        self.step = step
        self.channelDivisor = channelDivisor
        self.codeDim = codeDim ?? 512 / Swift.max(channelDivisor, 1)
        self.mappingLayers = mappingLayers
        try validate()
    }

    public var resolution: Int { 4 << step }

    /// The step of an output width (4 * 2^step).
    public static func step(forResolution resolution: Int) throws -> Int {
        for step in 0..<blockCount where 4 << step == resolution { return step }
        throw ModelError.invalidConfig("StyleGAN resolution \(resolution) is not one of 4, 8, ..., 1024")
    }

    public func validate() throws {
        guard (0..<Self.blockCount).contains(step) else {
            throw ModelError.invalidConfig("StyleGAN step \(step) is outside 0...\(Self.blockCount - 1)")
        }
        guard channelDivisor >= 1, 16 % channelDivisor == 0 else {
            throw ModelError.invalidConfig("channel divisor \(channelDivisor) must divide 16 (1, 2, 4, 8 or 16)")
        }
        guard codeDim >= 1 else { throw ModelError.invalidConfig("code dimension \(codeDim) must be positive") }
        guard mappingLayers >= 1 else { throw ModelError.invalidConfig("mapping layers \(mappingLayers) must be >= 1") }
        for (w, _) in fusionWeights where !Self.fusionWidths.contains(w) {
            throw ModelError.invalidConfig("fusion width \(w) is not one of \(Self.fusionWidths)")
        }
    }

    func channels(_ official: Int) -> Int { official / channelDivisor }

    /// Output channels of generator block i (width 4 * 2^i).
    func generatorChannels(block i: Int) -> Int { channels(Self.generatorTable[i]) }

    /// (input, output) channels of discriminator block i (input width 1024 / 2^i).
    func discriminatorChannels(block i: Int) -> (Int, Int) {
        let (a, b) = Self.discriminatorTable[i]
        return (channels(a) + (i == Self.blockCount - 1 ? 1 : 0), channels(b))
    }

    /// The width of discriminator block i's output (block 8 maps 4x4 to 1x1).
    static func discriminatorOutputWidth(block i: Int) -> Int { i == blockCount - 1 ? 1 : 512 >> i }
}
