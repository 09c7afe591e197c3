import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO

struct MorphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morph",
        abstract: "Interpolate the class embedding at fixed z (paper Fig. 8), or a StyleGAN model's styles or inputs: a PNG strip, an animated GIF and, with ffmpeg on PATH, an MP4.",
        discussion: """
        BigGAN: e = (1 - t) e_a + t e_b along from -> via... -> to, --steps frames per leg (both ends included).
        StyleGAN (one target domain): w = (1 - t) w_a + t w_b between samples --from-sample and --to-sample of --seed,
        or, with --to-input, the adapted encoder features of --input and --to-input at sample --sample; the end
        frames are the plain translations (translate --seed, the same sample).
        --out names the files: OUT.png (strip), OUT.gif and OUT.mp4 (an extension .png/.gif/.mp4 on OUT is dropped).
        """
    )

    @OptionGroup var inference: InferenceOptions
    @Option(help: "Input image.") var input: String
    @Option(help: "Start class (name or index; BigGAN).") var from: String?
    @Option(help: "End class (name or index; BigGAN).") var to: String?
    @Option(parsing: .singleValue, help: "Intermediate classes, in order (repeatable).") var via: [String] = []
    @Option(help: "Frames per leg, including both ends.") var steps = 8
    @Option(help: "Frame time of the GIF, milliseconds.") var frameMs = 120
    @Option(help: "Output path (without extension, or ending .png/.gif/.mp4).") var out: String
    @Option(help: "StyleGAN: the sample (z of --seed) the style morph starts at.") var fromSample: Int?
    @Option(help: "StyleGAN: the sample the style morph ends at.") var toSample: Int?
    @Option(help: "StyleGAN: morph the input into this second input instead (at sample --sample).") var toInput: String?
    @Option(help: "StyleGAN: the sample an input morph (--to-input) uses.") var sample: Int?

    func validate() throws {
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
        guard frameMs >= 10 else { throw ValidationError("--frame-ms must be at least 10") }
        for (name, value) in [("--from-sample", fromSample), ("--to-sample", toSample), ("--sample", sample)] {
            if let value, value < 0 { throw ValidationError("\(name) must be >= 0") }
        }
        if toInput != nil, fromSample != nil || toSample != nil {
            throw ValidationError("--to-input morphs between inputs at one --sample; --from-sample/--to-sample morph between samples")
        }
    }

    func run() throws {
        let translator = try inference.loadImageTranslator()
        let domains = translator.domains
        let path: MorphPath
        let names: String
        if domains.isSingleDomain {
            guard from == nil, to == nil, via.isEmpty else {
                throw CommandFailure("this StyleGAN model has one target domain ('\(domains.name(of: 0))'): morph between samples (--from-sample, --to-sample) or inputs (--to-input), not classes (--from/--to/--via)")
            }
            if let toInput {
                path = .inputs(to: translator.prepare(try ImageDecoder.decode(contentsOf: toInput)), sample: sample ?? 0)
                names = "input -> \(URL(fileURLWithPath: toInput).lastPathComponent) (sample \(sample ?? 0))"
            } else {
                let a = fromSample ?? 0, b = toSample ?? 1
                path = .samples(from: a, to: b)
                names = "sample \(a) -> sample \(b)"
            }
        } else {
            guard fromSample == nil, toSample == nil, toInput == nil, sample == nil else {
                throw CommandFailure("--from-sample, --to-sample, --to-input and --sample are for a StyleGAN model; this BigGAN model morphs between classes (--from/--to)")
            }
            guard let from, let to else { throw ValidationError("a BigGAN morph needs --from and --to classes") }
            let classes = try ([from] + via + [to]).map { try ClassSelection.resolveOne($0, domains: domains) }
            path = .classes(classes)
            names = classes.map { domains.name(of: $0) }.joined(separator: " -> ")
        }
        var base = URL(fileURLWithPath: out)
        if ["png", "gif", "mp4"].contains(base.pathExtension.lowercased()) { base.deletePathExtension() }
        _ = try CommandSupport.prepareOutputDirectory(base.deletingLastPathComponent().path)
        let image = translator.prepare(try ImageDecoder.decode(contentsOf: input))
        let frames = try translator.morph(image, along: path, steps: steps, seed: inference.seed, truncation: inference.truncation,
                                          batchSize: 32)

        let strip = base.appendingPathExtension("png"), gif = base.appendingPathExtension("gif")
        try CommandSupport.write(ImageEncoder.png(ImageGrid.strip([image] + frames)), to: strip)
        try CommandSupport.write(GIFEncoder.animated(frames, delayCentiseconds: frameMs / 10), to: gif)
        print("morph \(names): \(frames.count) frames")
        print("strip (input, then frames): \(strip.path)")
        print("animation: \(gif.path)")
        let mp4 = base.appendingPathExtension("mp4")
        switch try VideoWriter.mp4(frames, frameMs: frameMs, to: mp4) {
        case .written: print("video: \(mp4.path)")
        case .skipped(let why): print("video: skipped (\(why))")
        }
    }
}
