import Datasets
import Foundation
import Torch

/// A model on disk: `config.json` (the typed configuration with class names and provenance) plus one
/// safetensors file per network: `G.safetensors`, `E.safetensors`, `A.safetensors` and, for models that
/// can be trained further, `D.safetensors`. Every command that takes a model reads this format.
public enum ModelDirectory {
    public static let format = "deepi2i-model"
    public static let version = 1

    /// The JSON document in `config.json`.
    public struct Document: Codable {
        public var format: String
        public var version: Int
        public var model: ModelConfig
        /// Free-form notes on where the weights came from (import source, training run, iteration).
        public var provenance: [String: String]
        /// DeepI2I training iterations these weights have had: 0 for a fresh import (so `train --from-model`
        /// starts with phase 1), nil where unknown (models written before this field: treated as trained).
        public var trainedIterations: Int?
    }

    /// Which networks a command needs.
    public enum Networks: Sendable {
        /// E, A and G: enough to translate.
        case translation
        /// All four (training).
        case all
    }

    public static func configURL(_ dir: URL) -> URL { dir.appendingPathComponent("config.json") }

    public static func readDocument(_ dir: URL) throws -> Document {
        AtomicDirectory.recover(dir) // an interrupted replace may have left it aside
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.checkpoint("model directory \(dir.path) does not exist")
        }
        let url = configURL(dir)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelError.checkpoint("model directory \(dir.path) has no config.json")
        }
        if let family = ModelFamily.of(configData: data), family != "biggan" {
            throw ModelError.checkpoint("model directory \(dir.path) holds a \(family) model; this needs a BigGAN model")
        }
        let doc: Document
        do { doc = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ModelError.checkpoint("\(url.path) is not a valid deepi2i model config: \(describe(error))")
        }
        guard doc.format == format else {
            throw ModelError.checkpoint("\(url.path) has format '\(doc.format)', expected '\(format)'")
        }
        guard doc.version <= version else {
            throw ModelError.checkpoint("\(url.path) is version \(doc.version); this deepi2i reads up to \(version)")
        }
        try doc.model.validate()
        return doc
    }

    /// Loads a model. Networks not asked for (D, for `.translation`) are not loaded and not initialised
    /// either: they hold zero weights, as translation never runs them (D's orthogonal init alone took
    /// ~20 s of a 128px load).
    public static func load(_ dir: URL, networks: Networks = .translation, device: Device = .cpu) throws -> (model: DeepI2IModel, document: Document) {
        let doc = try readDocument(dir)
        // Every network is either loaded or unused, so none needs the random init; the benchmark
        // baseline (DEEPI2I_INFERENCE_BASELINE=1) initialises everything as before.
        let model = try DeepI2IModel(config: doc.model, toBeLoaded: InferenceSpeedups.enabled ? ["G", "D", "E", "A"] : [])
        try model.to(device)
        var wanted: [(String, Module)] = [("G", model.generator), ("E", model.encoder), ("A", model.adaptor)]
        if case .all = networks { wanted.append(("D", model.discriminator)) }
        for (name, network) in wanted {
            let url = dir.appendingPathComponent("\(name).safetensors")
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ModelError.checkpoint("model directory \(dir.path) has no \(name).safetensors")
            }
            do { try network.load(from: url, ignoring: officialUnusedKey(of: name)) } catch {
                throw ModelError.checkpoint("\(url.path) does not fit the model's configuration: \(describe(error))")
            }
        }
        return (model, doc)
    }

    /// Writes the model atomically: into a temporary sibling folder, then renamed over `dir`. `records`
    /// are further files (name -> contents) written with it, such as an import's `class-map.json`.
    public static func save(_ model: DeepI2IModel, to dir: URL, provenance: [String: String] = [:],
                            includeDiscriminator: Bool = true, records: [String: Data] = [:],
                            trainedIterations: Int? = nil) throws {
        try OutputFolder.requireReplaceable(dir, as: .model)
        try AtomicDirectory.write(dir) { tmp in
            for (name, contents) in records {
                try contents.write(to: tmp.appendingPathComponent(name), options: .atomic)
            }
            let doc = Document(format: format, version: version, model: model.config, provenance: provenance,
                               trainedIterations: trainedIterations)
            try AtomicDirectory.writeJSON(doc, to: configURL(tmp))
            for (name, network) in model.networks where includeDiscriminator || name != "D" {
                try StateDictFile.write(network.stateDict() + officialUnusedEntries(of: name, in: model),
                                        to: tmp.appendingPathComponent("\(name).safetensors"))
            }
        }
    }

    /// The official E and A state dicts also hold D's head, `linear.*` and `embed.*`, which their forward
    /// passes never use. Our E and A files carry them too (D's values; same shapes as the official ones)
    /// so that the authors' PyTorch code loads every model file with strict=True.
    static func officialUnusedEntries(of name: String, in model: DeepI2IModel) -> [(name: String, tensor: Tensor)] {
        guard name == "E" || name == "A" else { return [] }
        return model.discriminator.stateDict().filter { Encoder.isUnusedHeadKey($0.name) }
    }

    /// Keys a network's file may hold beyond its own state dict (official files, and ours since they
    /// carry the entries above): dropped on loading.
    static func officialUnusedKey(of name: String) -> (String) -> Bool {
        switch name {
        case "E": return Encoder.isUnusedHeadKey
        case "A": return Adaptor.isUnusedKey
        default: return { _ in false }
        }
    }
}

/// A readable description of an error (typed errors print their description).
public func describe(_ error: Error) -> String {
    String(describing: error)
}
