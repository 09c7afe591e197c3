import ArgumentParser
import DeepI2I
import Foundation
import Torch

/// Training-step throughput (bench/train_step/run.sh compares it with PyTorch on the same libtorch).
struct BenchTrainStepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-train-step",
        abstract: "Time DeepI2I training steps (phase 2: D step + G/A step) on random data; prints JSON."
    )

    @Option var resolution = 32
    @Option var channels = 32
    @Option var batch = 16
    @Option var classes = 10
    @Option var warmup = 3
    @Option var iterations = 20
    @OptionGroup var device: DeviceOptions
    @OptionGroup var precision: PrecisionOptions
    @Option(help: "Write G, D and A (safetensors) into this folder after the timed iterations (precision comparisons).")
    var save: String?

    func run() throws {
        var config = try ModelConfig(resolution: resolution, channels: channels, classCount: classes)
        config.classNames = (0..<classes).map { "c\($0)" }
        let model = try DeepI2IModel(config: config, seed: 0)
        let dev = try device.resolved()
        try model.to(dev)
        model.train()
        var training = TrainingConfig(data: "", initialisation: .scratch(channels: channels))
        training.batchSize = batch
        training.accumulate = 1
        let step = try DeepI2IStep(model: model, config: training, trainsEncoder: false)
        step.precision = try MixedPrecision(precision.parsed() ?? .fp32, device: dev)
        let rng = try RandomGenerator(seed: 1)
        let x = try Tensor.rand([batch, 3, resolution, resolution], generator: rng, device: dev) * 2.0 - 1.0
        let labels = (0..<batch).map { $0 % classes }
        var losses: [String: Double] = [:]
        func once() throws {
            let mb = try MicroBatch.sample(images: x, classes: labels, classCount: classes, dimZ: config.dimZ, rng: rng)
            losses = try step.discriminatorStep([mb])
            losses.merge(try step.generatorStep([mb], phase: 2)) { a, _ in a }
            step.precision.endIteration()
        }
        for _ in 0..<warmup { try once() }
        let start = Date()
        for _ in 0..<iterations { try once() }
        let seconds = Date().timeIntervalSince(start)
        if let save {
            try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
            for (name, network) in [("G", model.generator), ("D", model.discriminator), ("A", model.adaptor)] as [(String, Module)] {
                try network.save(to: URL(fileURLWithPath: save).appendingPathComponent("\(name).safetensors"))
            }
        }
        let lossJSON = losses.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        print("{\"impl\": \"swift\", \"it_per_s\": \(Double(iterations) / max(seconds, 1e-9)), \"vmhwm_kb\": \(peakMemoryKB()), \"threads\": \(Torch.threadCount), \"precision\": \"\(step.precision.precision)\", \"losses\": {\(lossJSON)}}")
    }

    func peakMemoryKB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}
