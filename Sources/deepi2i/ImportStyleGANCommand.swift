import ArgumentParser
import DeepI2I
import Foundation

/// `deepi2i import-stylegan`: a DeepI2I-StyleGAN model by transfer from an official / rosinality StyleGAN
/// checkpoint.
struct ImportStyleGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-stylegan",
        abstract: "Build a DeepI2I-StyleGAN model by transfer: G from the checkpoint's g_running (or generator), D and E from its discriminator, A fresh.",
        discussion: """
        Reads rosinality / official DeepI2I_StyleGAN checkpoints (torch.save dicts with generator, discriminator \
        and g_running; zip or legacy format) without Python. Channel widths, style size and mapping depth are \
        inferred from the checkpoint's shapes.
        """
    )

    @Option(help: "StyleGAN checkpoint (e.g. stylegan-256px-new.model).") var checkpoint: String
    @Option(help: "Output model directory.") var out: String
    @Option(help: "Image resolution to translate at (4, 8, ..., 1024): picks the StyleGAN step.") var resolution = 256
    @Option(help: "Generator weights to take: g_running (official) or generator.") var generatorSource = "g_running"
    @Option(help: "Seed of the fresh adaptor.") var seed: UInt64 = 0
    @Flag(help: "Replace an existing output directory.") var overwrite = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        if FileManager.default.fileExists(atPath: outURL.path), !overwrite {
            throw CommandFailure("\(out) already exists (use --overwrite to replace it)")
        }
        guard let source = StyleGANImport.GeneratorSource(rawValue: generatorSource) else {
            throw CommandFailure("--generator-source must be g_running or generator, not '\(generatorSource)'")
        }
        let url = URL(fileURLWithPath: checkpoint)
        let model = try StyleGANImport.makeModel(checkpoint: url, resolution: resolution, source: source, seed: seed)
        try StyleGANModelDirectory.save(model, to: outURL, provenance: [
            "source": "import-stylegan", "checkpoint": url.path, "generator": source.rawValue,
        ])
        let c = model.config
        print("wrote \(out): StyleGAN at \(c.resolution) px (step \(c.step)), channels / \(c.channelDivisor), style dim \(c.codeDim), \(c.mappingLayers) mapping layers, fused \(c.fused)")
    }
}
