import ArgumentParser
import DeepI2I
import Foundation
import Torch

struct BenchPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-pipeline",
        abstract: "Time the full DeepI2I pipeline (E, A, G, D) forward or forward+backward; prints one JSON line.",
        discussion: "bench/pipeline/run.sh runs this side by side with the same networks in PyTorch."
    )

    enum Mode: String, ExpressibleByArgument { case forward, train }

    @Option(help: "forward (translation, eval, no grad) or train (G-side step: train mode, losses, backward).")
    var mode: Mode = .forward
    @Option(help: "Channel width.") var channels = 96
    @Option(help: "Resolution.") var resolution = 128
    @Option(help: "Batch size.") var batch = 4
    @Option(help: "Timed iterations (after one warm-up).") var iterations = 3
    @OptionGroup var device: DeviceOptions
    @OptionGroup var precision: PrecisionOptions

    func run() throws {
        let dev = try device.resolved()
        let amp = try MixedPrecision(precision.parsed() ?? .fp32, device: dev)
        try Torch.manualSeed(0)
        let config = try ModelConfig(resolution: resolution, channels: channels)
        let model = try DeepI2IModel(config: config)
        try model.to(dev)
        let rng = try RandomGenerator(seed: 0)
        let x = try Tensor.rand([batch, 3, resolution, resolution], generator: rng, device: dev) * 2.0 - 1.0
        let z = try Tensor.randn([batch, config.dimZ], generator: rng, device: dev)
        let classes = (0..<batch).map { $0 * 37 % config.classCount }
        let rows = try Tensor(classes.map(Int64.init), device: dev)
        let weights = Losses.officialReconstructionWeights(levels: config.fusionLevels)

        let step: () throws -> Void
        switch mode {
        case .forward:
            model.eval()
            step = { _ = try amp.autocast { try withNoGrad { try model.translate(x, classes: classes, z: z) } } }
        case .train:
            model.train()
            step = {
                let loss = try amp.autocast { () throws -> Tensor in
                let e = try withNoGrad { try model.encoder(x).mapValues { try $0.detached() } }
                let fake = try model.generator(z: z, embedding: model.generator.classEmbedding(classes), fused: model.adaptor(e))
                let (logits, f) = try model.discriminator(Tensor.cat([fake, x]), rows: Tensor.cat([rows, rows]))
                let fakeF = try f.mapValues { try $0.narrow(dim: 0, start: 0, length: batch) }
                let realF = try f.mapValues { try $0.narrow(dim: 0, start: batch, length: batch) }
                return try Losses.generatorHinge(fake: logits.narrow(dim: 0, start: 0, length: batch))
                    + Losses.reconstruction(fake: fakeF, real: realF, weights: weights, distance: .mse)
                }
                try amp.backward(loss)
                for (_, m) in model.networks { try m.zeroGrad() }
            }
        }
        try step()
        try Torch.synchronize(dev)
        // The matmul peak is measured between the timed iterations, in this process, with these threads:
        // the machine is shared, so a peak measured elsewhere or at another time is not the same limit.
        let a = try Tensor.randn([2048, 2048], generator: rng, device: dev)
        let b = try Tensor.randn([2048, 2048], generator: rng, device: dev)
        var times: [Double] = [], peak = 0.0
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            try step()
            try Torch.synchronize(dev)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            peak = max(peak, try matmulRate(a, b, device: dev))
        }
        let median = times.sorted()[times.count / 2]
        print("{\"impl\": \"swift\", \"mode\": \"\(mode.rawValue)\", \"median_s\": \(median), \"peak_rss_mb\": \(peakResidentMegabytes()), \"threads\": \(Torch.threadCount), \"peak_gflops\": \(peak / 1e9), \"precision\": \"\(amp.precision)\", \"device\": \"\(dev)\", \"batch\": \(batch)}")
    }

    /// Best of three timed 2048^2 float32 matmuls, FLOP/s (the benchmark's peak matrix-multiply rate).
    private func matmulRate(_ a: Tensor, _ b: Tensor, device: Device) throws -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try a.matmul(b)
            try Torch.synchronize(device)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * pow(2048.0, 3) / best
    }
}

/// Peak resident memory of this process (VmHWM), in MB.
func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}
