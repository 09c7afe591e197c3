import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
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

    func run() throws {
        let device = try deviceOptions.resolved()
        print("libtorch \(Torch.version), \(Torch.threadCount) threads, device \(device)")
        if let model {
            try bench(CommandSupport.loadTranslator(model: model, device: device), label: model)
        }
        if paperConfig {
            let config = try ModelConfig(resolution: 128, channels: 96, classCount: 1000)
            let m = try DeepI2IModel(config: config)
            try m.to(device)
            try bench(Translator(model: m), label: "128px ch96 (random init)")
        }
    }

    private func bench(_ translator: Translator, label: String) throws {
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
}
