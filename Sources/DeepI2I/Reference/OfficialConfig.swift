import Foundation

/// The `config.json` of a reference folder (BigGAN-PyTorch's option names).
public struct OfficialConfig: Decodable {
    public var G_ch: Int
    public var D_ch: Int
    public var resolution: Int
    public var n_classes: Int
    public var dim_z: Int
    public var shared_dim: Int
    public var hier: Bool
    public var G_attn: String
    public var D_attn: String
    public var SN_eps: Double
    public var BN_eps: Double
    public var fusion_weight: [String: Double]
    public var rec_weight: [String: Double]
    public var batch: Int?
    public var params: [String: Int]?

    public static func load(_ url: URL) throws -> OfficialConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.checkpoint("cannot read \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(OfficialConfig.self, from: data) } catch {
            throw ModelError.checkpoint("\(url.path) is not a valid reference config: \(error)")
        }
    }

    /// BigGAN's attention option: resolutions joined by "_", "0" for none.
    static func attention(_ s: String) -> [Int] {
        s.split(separator: "_").compactMap { Int($0) }.filter { $0 > 0 }
    }

    public var modelConfig: ModelConfig {
        var c = ModelConfig()
        c.resolution = resolution
        c.generatorChannels = G_ch
        c.discriminatorChannels = D_ch
        c.classCount = n_classes
        c.dimZ = dim_z
        c.sharedDim = shared_dim
        c.hierarchicalZ = hier
        c.generatorAttention = Self.attention(G_attn)
        c.discriminatorAttention = Self.attention(D_attn)
        c.snEps = SN_eps
        c.bnEps = BN_eps
        c.fusionLevels = fusion_weight.keys.compactMap { Int($0) }.sorted(by: >)
        c.fusionWeights = fusion_weight
        return c
    }

    public var reconstructionWeights: [Int: Double] {
        Dictionary(uniqueKeysWithValues: rec_weight.compactMap { k, v in Int(k).map { ($0, v) } })
    }
}
