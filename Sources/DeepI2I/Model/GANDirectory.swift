import Datasets
import Foundation
import Torch

/// A source GAN on disk in BigGAN-PyTorch's layout: `G.safetensors`, `G_ema.safetensors` (when trained
/// with EMA) and `D.safetensors` with BigGAN-PyTorch's state-dict key names, plus `gan.json` (the
/// configuration and class names). Because the keys are BigGAN's, transfer reads our GANs and the
/// official checkpoints through the same code (`Transfer.makeModel`, `import-biggan`).
public enum GANDirectory {
    public static let format = "deepi2i-gan"
    public static let documentFile = "gan.json"

    public struct Document: Codable {
        public var format: String
        public var model: ModelConfig
        public var classNames: [String]
        public var provenance: [String: String]
    }

    /// The generator weights transfer should use: the EMA copy when there is one (as the paper does).
    public static func generatorWeights(_ dir: URL) -> URL {
        let ema = dir.appendingPathComponent("G_ema.safetensors")
        return FileManager.default.fileExists(atPath: ema.path) ? ema : dir.appendingPathComponent("G.safetensors")
    }

    public static func discriminatorWeights(_ dir: URL) -> URL { dir.appendingPathComponent("D.safetensors") }

    /// The GAN's configuration: from `gan.json`, or inferred from the weights' shapes for directories
    /// holding only BigGAN-PyTorch checkpoints.
    public static func config(_ dir: URL, resolution: Int) throws -> ModelConfig {
        AtomicDirectory.recover(dir) // an interrupted replace may have left it aside
        let doc = dir.appendingPathComponent(documentFile)
        if let data = FileManager.default.contents(atPath: doc.path) {
            do {
                let d = try JSONDecoder().decode(Document.self, from: data)
                guard d.format == format else { throw ModelError.checkpoint("\(doc.path) has format '\(d.format)'") }
                return d.model
            } catch let e as ModelError { throw e } catch {
                throw ModelError.checkpoint("\(doc.path) is not a valid GAN description: \(describe(error))")
            }
        }
        let g = generatorWeights(dir), d = discriminatorWeights(dir)
        guard FileManager.default.fileExists(atPath: g.path) else {
            throw ModelError.checkpoint("\(dir.path) has no G.safetensors / G_ema.safetensors")
        }
        return try CheckpointInspector.inferConfig(generator: CheckpointInspector.shapes(g),
                                                   discriminator: FileManager.default.fileExists(atPath: d.path)
                                                       ? CheckpointInspector.shapes(d) : nil,
                                                   resolution: resolution)
    }

    /// Writes atomically (temporary sibling folder, then renamed over `dir`).
    public static func save(generator: Generator, ema: Generator?, discriminator: Discriminator, config: ModelConfig,
                            to dir: URL, provenance: [String: String] = [:]) throws {
        try OutputFolder.requireReplaceable(dir, as: .gan)
        try AtomicDirectory.write(dir) { tmp in
            try writeFiles(generator: generator, ema: ema, discriminator: discriminator, config: config, into: tmp,
                           provenance: provenance)
        }
    }

    /// Writes the GAN's files into an existing folder (one being filled before it is renamed into place).
    public static func writeFiles(generator: Generator, ema: Generator?, discriminator: Discriminator, config: ModelConfig,
                                  into dir: URL, provenance: [String: String] = [:]) throws {
        try generator.save(to: dir.appendingPathComponent("G.safetensors"))
        try ema?.save(to: dir.appendingPathComponent("G_ema.safetensors"))
        try discriminator.save(to: dir.appendingPathComponent("D.safetensors"))
        let doc = Document(format: format, model: config, classNames: config.classNames, provenance: provenance)
        try AtomicDirectory.writeJSON(doc, to: dir.appendingPathComponent(documentFile))
    }

    /// Copies the GAN files of `source` into `dir` (a run folder that holds other files too), each file
    /// through a temporary name and a rename, `gan.json` last, so readers never see a half-written file.
    public static func publish(from source: URL, to dir: URL) throws {
        let fm = FileManager.default
        for file in ["G.safetensors", "G_ema.safetensors", "D.safetensors", documentFile] {
            let from = source.appendingPathComponent(file), to = dir.appendingPathComponent(file)
            guard fm.fileExists(atPath: from.path) else { continue }
            let tmp = dir.appendingPathComponent(".\(file).tmp-\(UUID().uuidString.prefix(8))")
            try fm.copyItem(at: from, to: tmp)
            guard rename(tmp.path, to.path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fm.removeItem(at: tmp)
                throw ModelError.checkpoint("cannot write \(to.path): \(reason)")
            }
        }
    }
}
