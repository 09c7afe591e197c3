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
        let rng = try RandomGenerator(seed: 1)
        let x = try Tensor.rand([batch, 3, resolution, resolution], generator: rng, device: dev) * 2.0 - 1.0
        let labels = (0..<batch).map { $0 % classes }
        func once() throws {
            let mb = try MicroBatch.sample(images: x, classes: labels, classCount: classes, dimZ: config.dimZ, rng: rng)
            try step.discriminatorStep([mb])
            try step.generatorStep([mb], phase: 2)
        }
        for _ in 0..<warmup { try once() }
        let start = Date()
        for _ in 0..<iterations { try once() }
        let seconds = Date().timeIntervalSince(start)
        print("{\"impl\": \"swift\", \"it_per_s\": \(Double(iterations) / seconds), \"vmhwm_kb\": \(peakMemoryKB()), \"threads\": \(Torch.threadCount)}")
    }

    func peakMemoryKB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}
