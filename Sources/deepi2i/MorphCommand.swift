import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO

struct MorphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morph",
        abstract: "Interpolate the class embedding at fixed z (paper Fig. 8): a PNG strip, an animated GIF and, with ffmpeg on PATH, an MP4.",
        discussion: """
        e = (1 - t) e_a + t e_b along from -> via... -> to, --steps frames per leg (both ends included).
        --out names the files: OUT.png (strip), OUT.gif and OUT.mp4 (an extension .png/.gif/.mp4 on OUT is dropped).
        """
    )

    @OptionGroup var inference: InferenceOptions
    @Option(help: "Input image.") var input: String
    @Option(help: "Start class (name or index).") var from: String
    @Option(help: "End class (name or index).") var to: String
    @Option(parsing: .singleValue, help: "Intermediate classes, in order (repeatable).") var via: [String] = []
    @Option(help: "Frames per leg, including both ends.") var steps = 8
    @Option(help: "Frame time of the GIF, milliseconds.") var frameMs = 120
    @Option(help: "Output path (without extension, or ending .png/.gif/.mp4).") var out: String

    func validate() throws {
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
        guard frameMs >= 10 else { throw ValidationError("--frame-ms must be at least 10") }
    }

    func run() throws {
        let translator = try inference.loadTranslator()
        let config = translator.config
        let path = try ([from] + via + [to]).map { try ClassSelection.resolveOne($0, config: config) }
        var base = URL(fileURLWithPath: out)
        if ["png", "gif", "mp4"].contains(base.pathExtension.lowercased()) { base.deletePathExtension() }
        _ = try CommandSupport.prepareOutputDirectory(base.deletingLastPathComponent().path)
        let image = translator.prepare(try ImageDecoder.decode(contentsOf: input))
        let frames = try translator.morph(image, path: path, steps: steps, seed: inference.seed, truncation: inference.truncation)

        let strip = base.appendingPathExtension("png"), gif = base.appendingPathExtension("gif")
        try CommandSupport.write(ImageEncoder.png(ImageGrid.strip([image] + frames)), to: strip)
        try CommandSupport.write(GIFEncoder.animated(frames, delayCentiseconds: frameMs / 10), to: gif)
        let names = path.map { ClassSelection.name(of: $0, config: config) }.joined(separator: " -> ")
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
