import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO
import Torch

struct BenchTranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-translate",
        abstract: "Translations per second at batch 1 and batch 32, for a model and for the paper's 128px ch96 configuration (random weights).",
        discussion: """
        One call translates one input into B targets (the encoder runs once, the generator on a batch of B),
        the way `translate` and the server work; the time includes converting outputs to images, not PNG encoding.
        """
    )

    @Option(help: "Model directory to time (optional).") var model: String?
    @Flag(inversion: .prefixedNo, help: "Also time a random-init 128px ch96 model (1000 classes).") var paperConfig = true
    @Option(parsing: .upToNextOption, help: "Batch sizes.") var batches: [Int] = [1, 32]
    @Option(help: "Seconds to measure each case (at least one call).") var seconds = 3.0
    @OptionGroup var deviceOptions: DeviceOptions
    @Option(help: ArgumentHelp("Instead of timing: profile the whole path of one translation call per case (PNG decode, resize, E, A, G, tensor to image, PNG encode) and write libtorch's operator trace of each to <prefix>-<case>.json.",
                               discussion: "bench/translate/profile.sh runs this and summarises the traces."))
    var profile: String?

    func run() throws {
        let device = try deviceOptions.resolved()
        print("libtorch \(Torch.version), \(Torch.threadCount) threads, device \(device)")
        if let model {
            let start = DispatchTime.now().uptimeNanoseconds
            let translator = try CommandSupport.loadTranslator(model: model, device: device)
            print(String(format: "%@  load: %.2f s", model, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            try bench(translator, label: model)
        }
        if paperConfig {
            let config = try ModelConfig(resolution: 128, channels: 96, classCount: 1000)
            let m = try DeepI2IModel(config: config)
            try m.to(device)
            try bench(Translator(model: m), label: "128px ch96 (random init)")
        }
    }

    private func bench(_ translator: Translator, label: String) throws {
        if let profile { return try profileWholePath(translator, label: label, prefix: profile) }
        let side = translator.config.resolution
        let input = SampleImage.make(side: side)
        let dev = translator.device
        for b in batches where b > 0 {
            let classes = (0..<b).map { $0 % translator.config.classCount }
            _ = try translator.translate([input], classes: classes, samples: 1, seed: 0, batchSize: b) // warm-up
            try Torch.synchronize(dev)
            var calls = 0
            let start = Date()
            repeat {
                _ = try translator.translate([input], classes: classes, samples: 1, seed: UInt64(calls), batchSize: b)
                try Torch.synchronize(dev)
                calls += 1
            } while Date().timeIntervalSince(start) < seconds
            let elapsed = Date().timeIntervalSince(start)
            let rate = Double(calls * b) / elapsed
            print(String(format: "%@  %dpx  batch %3d: %8.2f translations/s  (%.1f ms per call, %d calls)",
                         label, side, b, rate, 1000 * elapsed / Double(calls), calls))
        }
    }

    /// One input through every stage of `translate`, twice (warm-up, then measured): wall time per stage,
    /// and the operator trace of the measured call.
    private func profileWholePath(_ translator: Translator, label: String, prefix: String) throws {
        let side = translator.config.resolution
        let png = try ImageEncoder.png(SampleImage.make(side: 300))
        let dev = translator.device
        let model = translator.model
        for b in batches where b > 0 {
            let classes = (0..<b).map { $0 % translator.config.classCount }
            let tag = "\(side)px-ch\(translator.config.generatorChannels)-batch\(b)"
            var stages: [(String, Double)] = []
            for round in 0..<2 {
                stages = []
                func stage<R>(_ name: String, _ body: () throws -> R) throws -> R {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let r = try body()
                    try Torch.synchronize(dev)
                    stages.append((name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
                    return r
                }
                let run = {
                    try withNoGrad { () throws -> Void in
                        let decoded = try stage("PNG decode") { try ImageDecoder.decode(png) }
                        let image = try stage("resize") { translator.prepare(decoded) }
                        let x = try stage("image to tensor") { try ImageTensors.tensor(from: [image], device: dev) }
                        let e = try stage("E (encoder)") { try model.encoder(x) }
                        let f = try stage("A (adaptor)") { try model.adaptor(e) }
                        let z = try stage("z + class embedding") { () throws -> (Tensor, Tensor) in
                            (try translator.noise(samples: 1, seed: 0, truncation: 1), try model.generator.classEmbedding(classes))
                        }
                        let zero = try Tensor([Int64](repeating: 0, count: b), device: dev)
                        let out = try stage("G (generator)") {
                            try model.generator(z: z.0.indexSelect(dim: 0, index: zero), embedding: z.1,
                                                fused: f.mapValues { try $0.indexSelect(dim: 0, index: zero) })
                        }
                        let images = try stage("tensor to images") { try ImageTensors.images(from: out) }
                        _ = try stage("PNG encode") { try images.map { try ImageEncoder.png($0) } }
                    }
                }
                if round == 0 { try run() } else { try Torch.profile(to: "\(prefix)-\(tag).json", run) }
            }
            let total = stages.reduce(0) { $0 + $1.1 }
            print("\(label)  \(tag): \(String(format: "%.1f", 1000 * total)) ms for one input -> \(b) translations")
            for (name, t) in stages {
                print(String(format: "  %-22@ %9.1f ms  %5.1f%%", name as NSString, 1000 * t, 100 * t / total))
            }
            print("  operator trace: \(prefix)-\(tag).json")
        }
    }
}
