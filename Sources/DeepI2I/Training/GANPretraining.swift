import Datasets
import Foundation
import ImageIO
import Torch

/// Class-conditional BigGAN training (G + projection D, hinge loss, Adam with BigGAN's defaults,
/// optional EMA of G), producing a source GAN for transfer in BigGAN-PyTorch's layout (`GANDirectory`).
/// The GAN directory is rewritten atomically every `checkpointEvery` iterations and on Ctrl-C, with the
/// optimizer moments, random states and data position beside the weights (`GANTrainingState`), so
/// `resume` continues exactly where it stopped, as BigGAN-PyTorch's `--resume` does with its
/// G_optim/D_optim/state_dict files.
public func pretrainGAN(config: GANTrainingConfig, outDirectory: URL, resume: Bool = false, stop: StopSignal? = nil,
                        hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
    let dataset: PackedDataset
    do { dataset = try PackedDataset(at: URL(fileURLWithPath: config.data)) } catch {
        throw TrainingError.data("cannot open \(config.data): \(describe(error))")
    }
    guard dataset.resolution == config.resolution else {
        throw TrainingError.invalidConfig("the dataset is \(dataset.resolution)x\(dataset.resolution), --resolution is \(config.resolution)")
    }
    let saved: GANTrainingState.Record? = resume ? try GANTrainingState.read(outDirectory) : nil
    var model = try ModelConfig(resolution: config.resolution, channels: config.channels, classCount: dataset.classCount)
    model.classNames = dataset.manifest.classNames
    model.classRows = Array(0..<dataset.classCount)
    if let saved, saved.config.withoutIterations != config.withoutIterations {
        throw TrainingError.checkpoint("--resume: \(outDirectory.path) was trained with other options than these (only --iterations may change)")
    }
    try Torch.manualSeed(config.seed)
    let initRNG = try RandomGenerator(seed: config.seed)
    let G = try Generator(config: model, generator: initRNG)
    let D = try Discriminator(config: model, generator: initRNG)
    let ema: Generator? = config.ema ? try Generator(config: model) : nil
    if let ema { try ema.loadStateDict(Dictionary(uniqueKeysWithValues: G.stateDict().map { ($0.name, $0.tensor) })) }
    G.train(); D.train(); ema?.train()
    func adam(_ m: Module, _ lr: Double) throws -> Adam {
        try Adam(m.parameters(), config: AdamConfig(learningRate: lr, beta1: config.beta1, beta2: config.beta2, eps: config.adamEps))
    }
    let gOpt = try adam(G, config.generatorLR), dOpt = try adam(D, config.discriminatorLR)
    let rng = try RandomGenerator(seed: config.seed &+ 1)
    let loader = try DataLoader(dataset: dataset, split: .train, batchSize: config.batchSize, seed: config.seed, prefetch: 0)
    var iteration = 0
    var position = BatchStream.Position()
    if let saved {
        try GANTrainingState.restore(outDirectory, record: saved, generator: G, ema: ema, discriminator: D,
                                     optimizers: [("G", gOpt), ("D", dOpt)], samplingRNG: rng)
        iteration = saved.iteration
        position = saved.position
        hooks.log("resuming \(outDirectory.path) at iteration \(iteration)")
    }
    var stream = try BatchStream(loader: loader, position: position)
    try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
    let samplesDir = outDirectory.deletingLastPathComponent().appendingPathComponent(outDirectory.lastPathComponent + "-samples")
    try FileManager.default.createDirectory(at: samplesDir, withIntermediateDirectories: true)
    let log = try LossLog(url: samplesDir.appendingPathComponent("log.jsonl"), keepingThrough: resume ? iteration : nil)
    let progress = ProgressBar(total: config.iterations, start: iteration)
    progress.enabled = hooks.showProgress
    let fixedZ = try Tensor.randn([8 * dataset.classCount, model.dimZ], generator: RandomGenerator(seed: config.seed &+ 2))
    let started = Date()

    func rows(_ n: Int) throws -> Tensor { try Tensor.randint(0, dataset.classCount, [n], generator: rng) }
    func save(_ iteration: Int) throws {
        let record = GANTrainingState.Record(iteration: iteration, position: stream.position, optimizerSteps: [:], config: config)
        try GANDirectory.save(generator: G, ema: ema, discriminator: D, config: model, to: outDirectory,
                              provenance: ["source": "deepi2i pretrain-gan", "iterations": String(iteration),
                                           "data": dataset.url.path]) { tmp in
            try GANTrainingState.write(record, optimizers: [("G", gOpt), ("D", dOpt)], samplingRNG: rng, into: tmp)
        }
    }
    func writeSamples(_ iteration: Int) throws {
        // Rows: classes; columns: fixed z. Drawn by the EMA generator when there is one.
        let net = ema ?? G
        net.eval()
        defer { net.train() }
        let labels = (0..<dataset.classCount).flatMap { Array(repeating: $0, count: 8) }
        let images = try withNoGrad { try ImageTensors.images(from: net(z: fixedZ, embedding: net.classEmbedding(labels))) }
        let grid = (0..<dataset.classCount).map { Array(images[($0 * 8)..<($0 * 8 + 8)]) }
        try SampleSheet.write(rows: grid, to: samplesDir.appendingPathComponent(String(format: "iter-%07d.png", iteration)),
                              scale: config.resolution < 64 ? 2 : 1)
    }

    while iteration < config.iterations {
        if stop?.requested == true || hooks.stopAfter == iteration {
            progress.finish()
            try save(iteration)
            return .interrupted(iteration: iteration, checkpoint: outDirectory.path)
        }
        // D steps: hinge on real (x, y) vs G(z, y_fake), G's output detached.
        try D.freeze(false)
        var dReal = 0.0, dFake = 0.0
        for _ in 0..<config.discriminatorSteps {
            let batch = stream.next()
            let (x, y) = try ImageTensors.tensor(from: batch)
            let yFake = try rows(batch.count)
            let z = try Tensor.randn([batch.count, model.dimZ], generator: rng)
            let fake = try withNoGrad { try G(z: z, embedding: G.shared(yFake)) }
            try dOpt.zeroGrad()
            let (lr, lf) = try Losses.discriminatorHinge(real: D(x, rows: y).logit, fake: D(fake, rows: yFake).logit)
            try (lr + lf).backward()
            dReal = try lr.item(); dFake = try lf.item()
            guard dReal.isFinite, dFake.isFinite else {
                throw TrainingError.nonFiniteLoss(iteration: iteration + 1, losses: "D_real \(dReal), D_fake \(dFake)", lastCheckpoint: nil)
            }
            try dOpt.step()
        }
        // G step: -mean D(G(z, y), y) with D's parameters frozen.
        try D.freeze(true)
        try gOpt.zeroGrad()
        let yG = try rows(config.batchSize)
        let zG = try Tensor.randn([config.batchSize, model.dimZ], generator: rng)
        let gLoss = try Losses.generatorHinge(fake: D(G(z: zG, embedding: G.shared(yG)), rows: yG).logit)
        try gLoss.backward()
        let g = try gLoss.item()
        guard g.isFinite else {
            throw TrainingError.nonFiniteLoss(iteration: iteration + 1, losses: "G \(g)", lastCheckpoint: nil)
        }
        try gOpt.step()
        iteration += 1
        if let ema {
            // BigGAN's EMA over the whole state dict (buffers included); a plain copy before ema_start.
            let decay = iteration < config.emaStart ? 0 : config.emaDecay
            try withNoGrad {
                for ((_, target), (_, source)) in zip(ema.stateDict(), G.stateDict()) {
                    try target *= decay
                    try target += source * (1 - decay)
                }
            }
        }
        let losses = ["D_real": dReal, "D_fake": dFake, "D": dReal + dFake, "G": g]
        try log.append(LossRecord(iteration: iteration, phase: 0, losses: losses, time: Date().timeIntervalSince(started)))
        progress.update(iteration, [("D", dReal + dFake), ("G", g)], force: iteration == config.iterations)
        if iteration % config.sampleEvery == 0 || iteration == config.iterations { try writeSamples(iteration) }
        if iteration % config.checkpointEvery == 0 { try save(iteration) }
    }
    progress.finish()
    try save(iteration)
    do {
        try LossCurves.plot(log: log.url, to: samplesDir.appendingPathComponent("losses.png"), keys: ["D", "G"])
    } catch let e as Gnuplot.PlotError {
        hooks.log("warning: \(e) (losses.png skipped)")
    }
    return .completed(iterations: iteration)
}
