import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate an image (or every PNG/JPEG in a folder) into target classes.",
        discussion: """
        Writes <input-stem>_<class>_<sample>.png for every translation and <input-stem>_grid.png per input:
        one row per sample; the first column repeats the input in every row, then one column per class.
        z ~ N(0, 1) * truncation from --seed; every input uses the same z per sample, so the result of an
        input does not depend on what else is in the folder. Images that fail to decode are skipped and counted.
        """
    )

    @OptionGroup var inference: InferenceOptions
    @Option(help: "Input image, or a folder of PNG/JPEG images.") var input: String
    @Option(help: "Target classes: names or indices, comma-separated, or 'all'.") var to: String
    @Option(help: "Samples (z draws) per class.") var samples = 1
    @Option(help: "Generator batch size.") var batch = 32
    @Option(help: "Output folder.") var out: String

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let translator = try inference.loadTranslator()
        let config = translator.config
        let classes = try ClassSelection.resolve(to, config: config)
        let files = try CommandSupport.inputFiles(input)
        let outDir = try CommandSupport.prepareOutputDirectory(out)
        let isFolder = files.count > 1 || files.first?.path != URL(fileURLWithPath: input).path
        let progress = isFolder ? ProgressBar(total: files.count, label: "images", unit: "img") : nil
        // Several inputs share a generator batch when one input has fewer jobs than the batch holds.
        let group = max(1, batch / (classes.count * samples))
        var pending: [(stem: String, image: RGBImage)] = []
        var skipped: [String] = []
        var translated = 0, written = 0

        func flush() throws {
            guard !pending.isEmpty else { return }
            let results = try translator.translate(pending.map(\.image), classes: classes, samples: samples,
                                                   seed: inference.seed, truncation: inference.truncation, batchSize: batch)
            for (k, result) in results.enumerated() {
                let stem = pending[k].stem
                for (s, row) in result.enumerated() {
                    for (c, image) in row.enumerated() {
                        let name = CommandSupport.fileSafe(ClassSelection.name(of: classes[c], config: config))
                        try CommandSupport.write(ImageEncoder.png(image), to: outDir.appendingPathComponent("\(stem)_\(name)_\(s).png"))
                        written += 1
                    }
                }
                let grid = ImageGrid.translation(input: pending[k].image, samples: result)
                try CommandSupport.write(ImageEncoder.png(grid), to: outDir.appendingPathComponent("\(stem)_grid.png"))
            }
            translated += pending.count
            pending.removeAll()
        }

        for (index, file) in files.enumerated() {
            do {
                let decoded = try ImageDecoder.decode(contentsOf: file.path)
                pending.append((file.deletingPathExtension().lastPathComponent, translator.prepare(decoded)))
            } catch {
                // A single bad input is an error; in a folder it is skipped and reported.
                guard isFolder else { throw error }
                skipped.append(describe(error))
            }
            if pending.count >= group { try flush() }
            progress?.update(index + 1, status: skipped.isEmpty ? "" : "(\(skipped.count) skipped)")
        }
        try flush()
        progress?.finish()

        for line in skipped { printError("skipped \(line)") }
        let names = classes.map { ClassSelection.name(of: $0, config: config) }.joined(separator: ", ")
        print("translated \(translated) of \(files.count) image(s) into [\(names)] x \(samples) sample(s): \(written) images + \(translated) grid(s) in \(outDir.path)"
              + (skipped.isEmpty ? "" : "; \(skipped.count) skipped (not decodable)"))
        if translated == 0 { throw CommandFailure("no input image could be decoded") }
    }
}
