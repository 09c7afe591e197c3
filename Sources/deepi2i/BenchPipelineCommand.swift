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

    enum Mode: String, ExpressibleByArgument { case forward, train, convLayers = "conv-layers" }

    @Option(help: "forward (translation, eval, no grad), train (G-side step: train mode, losses, backward) or conv-layers (per-layer sweep of the forward's 3x3 convolutions: prepacked oneDNN vs Winograd, one JSON line per shape).")
    var mode: Mode = .forward
    @Option(help: "Channel width.") var channels = 96
    @Option(help: "Resolution.") var resolution = 128
    @Option(help: "Batch size.") var batch = 4
    @Option(help: "Timed iterations (after one warm-up).") var iterations = 3
    @Option(help: "Write libtorch's operator trace of one extra forward/train step to this Chrome-trace JSON file (bench/translate/summarize_trace.py summarises it).")
    var profile: String?
    @OptionGroup var device: DeviceOptions
    @OptionGroup var precision: PrecisionOptions

    func run() throws {
        let dev = try device.resolved()
        if mode == .convLayers {
            // Prepacked oneDNN and Winograd convolutions are CPU float32 paths.
            guard dev == .cpu else { throw ValidationError("--mode conv-layers compares CPU convolution paths; it runs on the CPU only") }
            return try sweepConvLayers()
        }
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
        case .convLayers:
            return
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
        if let path = profile { try Torch.profile(to: path) { try step() } }
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

    /// Every 3x3 convolution shape of the 128 px forward (E, A, G at width `channels`; widths in units of
    /// `channels`, 0 meaning the 3 image channels): the direct oneDNN path (weight prepacked) and Winograd
    /// F(2x2) and F(4x4) on the same input, alternating per repetition (the machine is shared), best of each.
    private func sweepConvLayers() throws {
        let layers: [(Int, Int, Int)] = [(0, 1, 128), (1, 1, 128), (2, 1, 128), (1, 0, 128), (1, 2, 64), (2, 2, 64),
                                         (4, 2, 64), (2, 4, 32), (4, 4, 32), (8, 4, 32), (4, 8, 16), (8, 8, 16),
                                         (16, 8, 16), (8, 16, 8), (16, 16, 8), (16, 16, 4)]
        let rng = try RandomGenerator(seed: 0)
        func time(_ body: () throws -> Tensor) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        for (i, o, size) in layers {
            let cin = i == 0 ? 3 : i * channels, cout = o == 0 ? 3 : o * channels
            let x = try Tensor.randn([batch, cin, size, size], generator: rng)
            let w = try Tensor.randn([cout, cin, 3, 3], generator: rng) * (1.0 / Double(3 * cin).squareRoot())
            let b = try Tensor.randn([cout], generator: rng)
            let packed = try Functional.prepackConv2d(w, padding: (1, 1))
            let wino = try [2, 4].map { try Functional.winogradConv2dWeight(w, tileSize: $0) }
            let reference = try Functional.conv2d(x.to(dtype: .f64), weight: w.to(dtype: .f64), bias: b.to(dtype: .f64),
                                                  padding: (1, 1))
            func error(_ y: Tensor) throws -> Double {
                try (y.to(dtype: .f64) - reference).abs().max().item() / reference.abs().max().item()
            }
            let direct = { try Functional.conv2d(x, prepacked: packed, bias: b) }
            let f2 = { try Functional.conv2d(x, winograd: wino[0], bias: b) }
            let f4 = { try Functional.conv2d(x, winograd: wino[1], bias: b) }
            let errors = try [direct(), f2(), f4()].map(error)
            var best = [Double.infinity, .infinity, .infinity]
            for _ in 0..<iterations {
                for (k, f) in [direct, f2, f4].enumerated() { best[k] = min(best[k], try time(f)) }
            }
            let gflop = 2.0 * Double(batch * size * size * cin * cout * 9) / 1e9
            print("{\"impl\": \"conv-layer\", \"in\": \(cin), \"out\": \(cout), \"size\": \(size), \"batch\": \(batch), \"gflop\": \(gflop), \"direct_s\": \(best[0]), \"f2_s\": \(best[1]), \"f4_s\": \(best[2]), \"direct_err\": \(errors[0]), \"f2_err\": \(errors[1]), \"f4_err\": \(errors[2]), \"threads\": \(Torch.threadCount)}")
            fflush(stdout)
        }
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
