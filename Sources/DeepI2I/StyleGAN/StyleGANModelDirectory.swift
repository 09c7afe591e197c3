import Foundation
import Torch

/// A StyleGAN-family model on disk: `config.json` (format deepi2i-model, "family": "stylegan", the typed
/// StyleGAN configuration, provenance) and G/D/E/A safetensors with the official keys.
public enum StyleGANModelDirectory {
    public static let family = "stylegan"

    public struct Document: Codable {
        public var format: String
        public var version: Int
        public var family: String
        public var stylegan: StyleGANConfig
        public var provenance: [String: String]
        /// The target domain's name (the one class a StyleGAN model translates into), when known.
        public var target: String? = nil
        /// The input domain's name (the class it was trained to translate from), when known.
        public var input: String? = nil
    }

    public static func save(_ model: StyleGANModel, to dir: URL, provenance: [String: String] = [:],
                            target: String? = nil, input: String? = nil) throws {
        try AtomicDirectory.write(dir) { tmp in
            let doc = Document(format: ModelDirectory.format, version: ModelDirectory.version, family: family,
                               stylegan: model.config, provenance: provenance, target: target,
                               input: input)
            try AtomicDirectory.writeJSON(doc, to: ModelDirectory.configURL(tmp))
            for (name, network) in model.networks {
                try network.save(to: tmp.appendingPathComponent("\(name).safetensors"))
            }
        }
    }

    public static func load(_ dir: URL) throws -> (model: StyleGANModel, document: Document) {
        let url = ModelDirectory.configURL(dir)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelError.checkpoint("model directory \(dir.path) has no config.json")
        }
        let doc: Document
        do { doc = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ModelError.checkpoint("\(url.path) is not a StyleGAN model config (family '\(ModelFamily.of(configData: data) ?? "unreadable")'): \(describe(error))")
        }
        try doc.stylegan.validate()
        let model = try StyleGANModel(config: doc.stylegan)
        for (name, network) in model.networks {
            let file = dir.appendingPathComponent("\(name).safetensors")
            do { try network.load(from: file) } catch {
                throw ModelError.checkpoint("\(file.path) does not fit the model's configuration: \(describe(error))")
            }
        }
        return (model, doc)
    }
}
