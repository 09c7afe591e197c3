import Foundation
import Torch

/// Transfer from an official / rosinality StyleGAN checkpoint: a torch.save dict (zip or legacy) holding
/// `generator`, `discriminator` and `g_running` state dicts. G comes from g_running or the generator,
/// E and D from the discriminator, A is fresh; the configuration is read from the shapes.
public enum StyleGANImport {
    public enum GeneratorSource: String, CaseIterable, Sendable {
        case gRunning = "g_running"
        case generator
    }

    public static func makeModel(checkpoint url: URL, resolution: Int, source: GeneratorSource = .gRunning,
                                 seed: UInt64 = 0) throws -> StyleGANModel {
        let entries = try StateDictFile.read(url)
        var parts: [String: [String: Tensor]] = [:]
        for (name, tensor) in entries {
            guard let dot = name.firstIndex(of: ".") else { continue }
            parts[String(name[..<dot]), default: [:]][String(name[name.index(after: dot)...])] = tensor
        }
        guard let g = parts[source.rawValue], let d = parts["discriminator"] else {
            let keys = Set(entries.map(\.name))
            if keys.contains("shared.weight") || keys.contains(where: { $0.hasPrefix("blocks.0.0.") }) {
                throw ModelError.checkpoint("\(url.path) is a BigGAN checkpoint (it has '\(keys.contains("shared.weight") ? "shared.weight" : "blocks.0.0...")'): use import-biggan")
            }
            if keys.contains("generator.progression.0.conv1.input") || keys.contains("progression.0.conv1.0.conv.weight_orig") {
                throw ModelError.checkpoint("\(url.path) is a bare StyleGAN \(keys.contains("style.1.linear.weight_orig") ? "generator" : "network") state dict; import-stylegan needs the training checkpoint (a dict with '\(source.rawValue)' and 'discriminator' state dicts, as rosinality's stylegan-256px-new.model)")
            }
            let found = Set(parts.keys).sorted().joined(separator: ", ")
            throw ModelError.checkpoint("\(url.path) is not a StyleGAN checkpoint with '\(source.rawValue)' and 'discriminator' state dicts (found: \(found.isEmpty ? "none" : found))")
        }
        let step = try StyleGANConfig.step(forResolution: resolution)
        try StyleGANTranslator.requireTranslatable(resolution: resolution)
        let config = try StyleGANConfig.inferred(fromGenerator: g.mapValues(\.shape), discriminator: d.mapValues(\.shape),
                                                 step: step)
        let model = try StyleGANModel(config: config, generator: RandomGenerator(seed: seed))
        try load(model.generator, g, url: url, role: "generator (\(source.rawValue))")
        try load(model.discriminator, d, url: url, role: "discriminator")
        try load(model.encoder, d, url: url, role: "encoder (from the discriminator)")
        return model
    }

    static func load(_ module: Module, _ weights: [String: Tensor], url: URL, role: String) throws {
        do { try module.loadStateDict(weights, strict: true) } catch let error as StateDictError {
            throw ModelError.checkpoint("\(url.path) does not fit the StyleGAN \(role): \(error)")
        }
    }
}
