import ArgumentParser
import DeepI2I
import Foundation
import Torch

/// `deepi2i bench-stylegan`: the DeepI2I-StyleGAN pipeline timed as bench/stylegan/run.sh compares it with
/// the same networks in PyTorch (bench/stylegan/stylegan_torch.py).
struct BenchStyleGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-stylegan",
        abstract: "Time the DeepI2I-StyleGAN pipeline forward (E -> A -> G) or the G/A training step; prints one JSON line.",
        discussion: """
        forward: G(z) fused with A(E(x)), no grad. train: E and D frozen; fake = G(z) fused with A(E(x)); \
        -mean(D(fake)) + the D-feature reconstruction of the input; backward into G and A. Random weights, \
        fixed noise maps. bench/stylegan/run.sh runs this side by side with the PyTorch implementation.
        """
    )

    enum Mode: String, ExpressibleByArgument { case forward, train }

    @Option(help: "forward (translation, no grad) or train (G/A step: losses and backward).") var mode: Mode = .forward
    @Option(help: "Every official channel count divided by this (1: official widths).") var channelDivisor = 1
    @Option(help: "Resolution (128, 256, ...).") var resolution = 256
    @Option(help: "Batch size.") var batch = 4
    @Option(help: "Timed iterations (after one warm-up).") var iterations = 3
    @OptionGroup var device: DeviceOptions

    func run() throws {
        let dev = try device.resolved()
        try Torch.manualSeed(0)
        let config = try StyleGANConfig(step: StyleGANConfig.step(forResolution: resolution), channelDivisor: channelDivisor)
        let model = try StyleGANModel(config: config, generator: RandomGenerator(seed: 0))
        for (_, network) in model.networks { try network.to(dev) }
        let rng = try RandomGenerator(seed: 0)
        let x = try Tensor.rand([batch, 3, resolution, resolution], generator: rng, device: dev) * 2.0 - 1.0
        let z = try Tensor.randn([batch, config.codeDim], generator: rng, device: dev)
        let noise = try model.generator.randomNoise(batch: batch, step: config.step, generator: rng, device: dev)
        let step: () throws -> Void
        switch mode {
        case .forward:
            step = { _ = try withNoGrad { try model.translate(x, z: [z], noise: noise) } }
        case .train:
            try model.encoder.freeze()
            try model.discriminator.freeze()
            step = {
                let e = try withNoGrad { try model.encoder(x, step: config.step).features }
                let fake = try model.generator(z: [z], noise: noise, step: config.step, fused: model.adaptor(e))
                let (logit, fakeFeatures) = try model.discriminator(fake, step: config.step)
                let inputFeatures = try model.discriminator(x, step: config.step).features
                let loss = try StyleGANLosses.generatorAdversarial(.wganGP, fakeLogit: logit)
                    + StyleGANLosses.reconstruction(input: inputFeatures, translation: fakeFeatures, weights: config.reconstructionWeights)
                try loss.backward()
                try model.generator.zeroGrad()
                try model.adaptor.zeroGrad()
            }
        }
        try step()
        try Torch.synchronize(dev)
        var times: [Double] = []
        for _ in 0..<max(1, iterations) {
            let start = DispatchTime.now().uptimeNanoseconds
            try step()
            try Torch.synchronize(dev)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = times.sorted()[times.count / 2]
        print("{\"impl\": \"swift\", \"mode\": \"\(mode.rawValue)\", \"median_s\": \(median), \"peak_rss_mb\": \(peakResidentMegabytes()), \"threads\": \(Torch.threadCount)}")
    }
}
