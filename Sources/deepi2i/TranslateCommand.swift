import ArgumentParser
import Datasets
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate an image (or every PNG/JPEG in a folder) into target classes (BigGAN) or the target domain (StyleGAN).",
        discussion: """
        Writes <input-stem>_<class>_<sample>.png for every translation and <input-stem>_grid.png per input:
        one row per sample; the first column repeats the input in every row, then one column per class.
        Inputs sharing a stem (photo.png, photo.jpg) keep their extension in the name (photo_png, photo_jpg);
        no file of one input overwrites another's or an input. Hidden files (.name) in a folder are not read;
        sub-folders are read with --recursive (outputs go to the same sub-folders of --out).
        z ~ N(0, 1) * truncation from --seed; every input uses the same z per sample, so the result of an
        input does not depend on what else is in the folder. Images that fail to decode are skipped and counted.
        A StyleGAN model has one target domain: --to may be left out (or name that domain); samples differ by z,
        --truncation is psi of the truncation by the mean style.
        """
    )

    @OptionGroup var inference: InferenceOptions
    @Option(help: "Input image, or a folder of PNG/JPEG images.") var input: String
    @Option(help: "Target classes: names or indices, comma-separated, or 'all' (a StyleGAN model: its one domain, the default).") var to: String?
    @Option(help: "Samples (z draws) per class.") var samples = 1
    @Option(help: "Generator batch size.") var batch = 32
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Also translate the images in sub-folders of an input folder (e.g. an ImageFolder tree).") var recursive = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let translator = try inference.loadImageTranslator()
        let domains = translator.domains
        guard let to = to ?? (domains.isSingleDomain ? "all" : nil) else {
            throw ValidationError("--to is required for a BigGAN model (class names, indices or 'all')")
        }
        let classes = try ClassSelection.resolve(to, domains: domains)
        let inputs = try CommandSupport.inputFiles(input, recursive: recursive)
        let files = inputs.files
        let outDir = try CommandSupport.prepareOutputDirectory(out)
        let isFolder = inputs.root != nil
        // File-name parts of the classes, unique (two names may map to the same safe name).
        var classParts: [String] = []
        for (c, target) in classes.enumerated() {
            let part = CommandSupport.fileSafe(domains.name(of: target))
            classParts.append(classParts.contains { $0.lowercased() == part.lowercased() } ? "\(part)-\(c)" : part)
        }
        let endings = classParts.flatMap { part in (0..<samples).map { "_\(part)_\($0).png" } } + ["_grid.png"]
        let bases = CommandSupport.outputBases(inputs, out: outDir, endings: endings)
        let progress = isFolder ? ProgressBar(total: files.count, label: "images", unit: "img") : nil
        // Several inputs share a generator batch when one input has fewer jobs than the batch holds.
        let group = max(1, batch / (classes.count * samples))
        var pending: [(base: URL, image: RGBImage)] = []
        var skipped: [String] = []
        var translated = 0, written = 0, grids = 0

        func flush() throws {
            guard !pending.isEmpty else { return }
            let results = try translator.translate(pending.map(\.image), classes: classes, samples: samples,
                                                   seed: inference.seed, truncation: inference.truncation, batchSize: batch,
                                                   progress: nil)
            for (k, result) in results.enumerated() {
                let base = pending[k].base.path
                if recursive { _ = try CommandSupport.prepareOutputDirectory(pending[k].base.deletingLastPathComponent().path) }
                for (s, row) in result.enumerated() {
                    for (c, image) in row.enumerated() {
                        try CommandSupport.write(ImageEncoder.png(image), to: URL(fileURLWithPath: "\(base)_\(classParts[c])_\(s).png"))
                        written += 1
                    }
                }
                let grid = ImageGrid.translation(input: pending[k].image, samples: result)
                try CommandSupport.write(ImageEncoder.png(grid), to: URL(fileURLWithPath: base + "_grid.png"))
                grids += 1
            }
            translated += pending.count
            pending.removeAll()
        }

        for (index, file) in files.enumerated() {
            do {
                let decoded = try ImageDecoder.decode(contentsOf: file.path)
                pending.append((bases[index], translator.prepare(decoded)))
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
        for line in inputs.notes { printError(line) }
        let names = classes.map { domains.name(of: $0) }.joined(separator: ", ")
        print("translated \(translated) of \(files.count) image(s) into [\(names)] x \(samples) sample(s): \(written) images + \(grids) grid(s) in \(outDir.path)"
              + (skipped.isEmpty ? "" : "; \(skipped.count) skipped (not decodable)"))
        if translated == 0 { throw CommandFailure("no input image could be decoded") }
    }
}
