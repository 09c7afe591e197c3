import ArgumentParser
import Datasets
import DeepI2I
import Foundation

struct ImportBigGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-biggan",
        abstract: "Build a DeepI2I model by transfer from a BigGAN: G from the generator, D and E from the discriminator, A fresh.",
        discussion: """
        Reads BigGAN-PyTorch checkpoints (.pth in the legacy or zip format, or safetensors) without Python.
        The configuration (width, classes, z size, attention) is inferred from the checkpoints.
        """
    )

    @Option(help: "Generator weights (use G_ema.pth when there is one).") var generator: String
    @Option(help: "Discriminator weights (D.pth).") var discriminator: String
    @Option(help: "Output model directory.") var out: String
    @Option(help: "Image resolution the checkpoints were trained at.") var resolution = 128
    @Option(help: "Dataset whose class names the model translates into (a packed dataset folder).") var data: String?
    @Option(help: "Class names, comma-separated (instead of --data).") var classNames: String?
    @Option(help: "Embedding rows for the classes: identity (official), semantic (ImageNet classes through WordNet), a JSON file, or name=row pairs.")
    var classMap = "identity"
    @Option(help: "Semantic map, a class with several ImageNet classes below it: mean (of their rows) or closest (the nearest one).")
    var classCandidates = "mean"
    @Option(help: "Semantic map, a class with no WordNet match: mean (of all rows) or a row number.")
    var classFallback = "mean"
    @Option(help: "Seed of the fresh adaptor.") var seed: UInt64 = 0
    @Option(parsing: .upToNextOption, help: "BigGAN's optimizer states G_optim.pth D_optim.pth (train starts G's and D's Adam from them, as the official run).")
    var optimizers: [String] = []
    @Flag(help: "Replace an existing output directory (only a model deepi2i wrote).") var overwrite = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        try OutputFolder.check(outURL, as: .model, inputs: [
            .init("--generator", generator), .init("--discriminator", discriminator), .init("--data", data),
            FileManager.default.fileExists(atPath: classMap) ? .init("--class-map", classMap) : nil,
        ], overwrite: overwrite)
        let gURL = URL(fileURLWithPath: generator), dURL = URL(fileURLWithPath: discriminator)
        var config = try CheckpointInspector.inferConfig(generator: CheckpointInspector.shapes(gURL),
                                                         discriminator: CheckpointInspector.shapes(dURL),
                                                         resolution: resolution)
        let names: [String]
        if let data {
            names = try PackedDataset(at: URL(fileURLWithPath: data)).manifest.classNames
        } else if let classNames {
            names = classNames.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            names = (0..<config.classCount).map { "class\($0)" }
        }
        let options = ClassMapOptions(candidates: try ClassMapOptions.Candidates(parsing: classCandidates),
                                      fallback: try ClassMapOptions.Fallback(parsing: classFallback))
        let inits = try ClassMap.parse(classMap).initialisation(for: names, rowCount: config.classCount, options: options) { print($0) }
        let layout = try ClassEmbeddingLayout(inits, sourceRows: config.classCount)
        for found in layout.classes { print(found.summary) }
        let model = try Transfer.makeModel(config: config, generatorWeights: gURL, discriminatorWeights: dURL, seed: seed,
                                           classes: layout)
        config = model.config
        try ModelDirectory.save(model, to: outURL, provenance: [
            "source": "import-biggan", "generator": gURL.path, "discriminator": dURL.path, "classMap": classMap,
        ], records: [ClassMapRecord.fileName: ClassMapRecord(classMap: classMap, options: options, layout: layout).encoded()],
           trainedIterations: 0)
        if !optimizers.isEmpty {
            guard optimizers.count == 2 else { throw CommandFailure("--optimizers takes two files: G_optim.pth D_optim.pth") }
            let states = try ImportedOptimizers.importStates(
                generatorOptimizer: URL(fileURLWithPath: optimizers[0]), discriminatorOptimizer: URL(fileURLWithPath: optimizers[1]),
                generatorWeights: gURL, discriminatorWeights: dURL, model: model, into: outURL)
            print("optimizer states: G step \(states["G"]!.step), D step \(states["D"]!.step)")
        }
        print("wrote \(out): resolution \(config.resolution), G_ch \(config.generatorChannels), D_ch \(config.discriminatorChannels), \(config.classCount) embedding rows, \(names.count) classes, fusion levels \(config.fusionLevels)")
    }
}
