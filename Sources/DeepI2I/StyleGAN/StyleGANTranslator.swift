import Datasets
import Foundation
import ImageIO
import Torch

/// Inference with a DeepI2I-StyleGAN model: one target domain, several samples by z, truncation by the
/// mean style (as rosinality's generate.py), and morphs between two samples' styles or two inputs.
///
/// A seed fixes everything random: the per-block noise maps (one draw, shared by every sample, so that
/// samples differ by z alone and truncation 0 makes them equal) and then z of sample 0, 1, ... in turn,
/// so sample k of a seed is the same whatever the sample count. Not thread-safe (libtorch modules).
public final class StyleGANTranslator {
    public let model: StyleGANModel
    /// The target domain's name ("target" when the model directory records none).
    public let targetName: String
    /// The input domain the model was trained on (a class name), when its directory records one.
    public let inputName: String?
    public let device: Device
    private var meanStyleCache: Tensor?

    /// z draws averaged for the mean style: 10 x 1024 as rosinality's `get_mean_style`.
    public static let meanStyleDraws = (chunks: 10, size: 1024)
    /// The mean style's seed: fixed, so truncation is a property of the model, not of `--seed`.
    public static let meanStyleSeed: UInt64 = 0x5747_4d45_414e

    /// The smallest resolution DeepI2I-StyleGAN translates at. A fuses E's features at the widths E
    /// reaches (64 px only from 128 px inputs; the adaptor skips the widths an input is too small for);
    /// 32 px, with fusion at 16, 8 and 4, is the smallest the training tests and the demo use.
    public static let minimumResolution = 32

    public static func requireTranslatable(resolution: Int) throws {
        guard resolution >= minimumResolution else {
            throw ModelError.invalidConfig("a StyleGAN translation model needs a resolution of \(minimumResolution) px or more (A fuses E's features from half the input width down), got \(resolution)")
        }
    }

    public init(model: StyleGANModel, targetName: String? = nil, inputName: String? = nil, device: Device = .cpu) throws {
        try Self.requireTranslatable(resolution: model.config.resolution)
        self.model = model
        self.targetName = targetName ?? "target"
        self.inputName = inputName
        self.device = device
        for (_, network) in model.networks {
            try network.to(device)
            network.eval()
        }
    }

    /// Loads E, A and G of a StyleGAN model directory.
    public static func load(_ dir: URL, device: Device = .cpu) throws -> StyleGANTranslator {
        let (model, document) = try StyleGANModelDirectory.load(dir)
        return try StyleGANTranslator(model: model, targetName: document.target, inputName: document.input, device: device)
    }

    public var config: StyleGANConfig { model.config }
    public var resolution: Int { model.config.resolution }

    /// A decoded image as model input: RGB (alpha composited on white), centre-cropped and resized.
    public func prepare(_ image: DecodedImage) -> RGBImage {
        image.toRGB().squareResized(to: resolution)
    }

    /// The seeded randomness of `samples` samples: z [samples, codeDim] and the noise maps [1, 1, s, s]
    /// for widths 4 ... resolution.
    public func latents(samples: Int, seed: UInt64) throws -> (z: Tensor, noise: [Tensor]) {
        guard samples > 0 else { throw ModelError.badInput("sample count must be positive, got \(samples)") }
        let rng = try RandomGenerator(seed: seed)
        // Drawn on the CPU (a seeded generator is a CPU one), then moved: the same images on every device.
        let noise = try model.generator.randomNoise(batch: 1, step: config.step, generator: rng).map { try $0.to(device) }
        let z = try Tensor.cat((0..<samples).map { _ in try Tensor.randn([1, config.codeDim], generator: rng) }, dim: 0)
        return (try z.to(device), noise)
    }

    /// The mean style over 10 x 1024 seeded z, [1, codeDim]; computed once.
    public func meanStyle() throws -> Tensor {
        if let meanStyleCache { return meanStyleCache }
        let rng = try RandomGenerator(seed: Self.meanStyleSeed)
        let (chunks, size) = Self.meanStyleDraws
        let mean = try withNoGrad {
            var sum: Tensor?
            for _ in 0..<chunks {
                let m = try model.generator.meanStyle(Tensor.randn([size, config.codeDim], generator: rng).to(device))
                sum = try sum.map { try $0 + m } ?? m
            }
            return try sum! / Double(chunks)
        }
        meanStyleCache = mean
        return mean
    }

    /// Styles w of z, truncated: mean + psi (w - mean); psi 1 leaves w as it is.
    public func styles(_ z: Tensor, truncation psi: Double) throws -> Tensor {
        guard psi >= 0, psi.isFinite else { throw ModelError.badInput("truncation must be a number >= 0, got \(psi)") }
        let w = try model.generator.mapStyle(z)
        guard psi != 1 else { return w }
        let mean = try meanStyle()
        return try mean + (w - mean) * psi
    }

    /// G with styles `w` [B, codeDim], noise maps [1 or B, 1, s, s] and fused features A(E(x)) [B, ...].
    public func synthesize(styles w: Tensor, noise: [Tensor], fused: [Int: Tensor]) throws -> Tensor {
        let b = w.size(0)
        let expanded = try noise.map { try $0.size(0) == b ? $0 : $0.expand([b, 1, $0.size(2), $0.size(3)]) }
        return try model.generator.generator(styles: [w], noise: expanded, step: config.step, alpha: -1, mixing: nil,
                                             fused: fused, fusionWeights: config.fusionWeights)
    }

    /// Tensor-level translation (evaluation): x [B, 3, R, R], z [B, codeDim]; each image gets its own
    /// noise maps drawn from `noise`.
    public func translate(_ x: Tensor, z: Tensor, truncation: Double = 1, noise rng: RandomGenerator? = nil) throws -> Tensor {
        try checkInput(x)
        return try withNoGrad {
            let noise = try model.generator.randomNoise(batch: x.size(0), step: config.step, generator: rng).map { try $0.to(device) }
            return try synthesize(styles: styles(z, truncation: truncation), noise: noise, fused: model.adaptedFeatures(x))
        }
    }

    /// Translates every input with every sample: result[input][sample]. Encoder and adaptor run once per input.
    public func translate(_ inputs: [RGBImage], samples: Int, seed: UInt64, truncation: Double = 1, batchSize: Int = 32,
                          progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [[RGBImage]] {
        guard !inputs.isEmpty else { return [] }
        let batch = max(1, batchSize)
        return try withNoGrad {
            let (z, noise) = try latents(samples: samples, seed: seed)
            let w = try styles(z, truncation: truncation)
            let fused = try features(of: inputs, batchSize: batch)
            let jobs = inputs.indices.flatMap { i in (0..<samples).map { (input: i, sample: $0) } }
            var outputs: [RGBImage] = []
            for start in stride(from: 0, to: jobs.count, by: batch) {
                let chunk = jobs[start..<min(start + batch, jobs.count)]
                let inputIndex = try Tensor(chunk.map { Int64($0.input) }, device: device)
                let f = try fused.mapValues { try $0.indexSelect(dim: 0, index: inputIndex) }
                let wc = try w.indexSelect(dim: 0, index: Tensor(chunk.map { Int64($0.sample) }, device: device))
                outputs += try ImageTensors.images(from: synthesize(styles: wc, noise: noise, fused: f))
                progress?(outputs.count, jobs.count)
            }
            return inputs.indices.map { Array(outputs[($0 * samples)..<(($0 + 1) * samples)]) }
        }
    }

    /// Frames from sample `from` to sample `to` of `seed` on one input: w = (1 - t) w_a + t w_b (styles
    /// after truncation), `steps` frames with both ends, which are the plain translations of those samples.
    public func morph(_ input: RGBImage, fromSample a: Int, toSample b: Int, steps: Int, seed: UInt64,
                      truncation: Double = 1, batchSize: Int = 32) throws -> [RGBImage] {
        guard steps >= 2 else { throw ModelError.badInput("a morph needs at least 2 steps, got \(steps)") }
        guard a >= 0, b >= 0 else { throw ModelError.badInput("sample numbers must be >= 0, got \(a) and \(b)") }
        return try withNoGrad {
            let (z, noise) = try latents(samples: max(a, b) + 1, seed: seed)
            let w = try styles(z, truncation: truncation)
            let wa = try w.narrow(dim: 0, start: a, length: 1), wb = try w.narrow(dim: 0, start: b, length: 1)
            let ws = try Tensor.cat((0..<steps).map { k -> Tensor in
                let t = Double(k) / Double(steps - 1)
                return try wa * (1 - t) + wb * t
            }, dim: 0)
            let fused = try features(of: [input], batchSize: 1)
            return try frames(styles: ws, noise: noise, batchSize: batchSize) { _, n in
                try fused.mapValues { try $0.expand([n] + Array($0.shape.dropFirst())) }
            }
        }
    }

    /// Frames from input `a` to input `b` at sample `sample` of `seed`: the adapted encoder features are
    /// interpolated, f = (1 - t) A(E(a)) + t A(E(b)); the ends are the plain translations of a and b.
    public func morph(from a: RGBImage, to b: RGBImage, sample: Int = 0, steps: Int, seed: UInt64,
                      truncation: Double = 1, batchSize: Int = 32) throws -> [RGBImage] {
        guard steps >= 2 else { throw ModelError.badInput("a morph needs at least 2 steps, got \(steps)") }
        guard sample >= 0 else { throw ModelError.badInput("sample number must be >= 0, got \(sample)") }
        return try withNoGrad {
            let (z, noise) = try latents(samples: sample + 1, seed: seed)
            let w = try styles(z.narrow(dim: 0, start: sample, length: 1), truncation: truncation)
            let ends = try features(of: [a, b], batchSize: 2)
            let ts = (0..<steps).map { Double($0) / Double(steps - 1) }
            return try frames(styles: w.expand([steps, w.size(1)]), noise: noise, batchSize: batchSize) { start, n in
                try ends.mapValues { f in
                    let fa = try f.narrow(dim: 0, start: 0, length: 1), fb = try f.narrow(dim: 0, start: 1, length: 1)
                    return try Tensor.cat(ts[start..<(start + n)].map { t in try fa * (1 - t) + fb * t }, dim: 0)
                }
            }
        }
    }

    /// Synthesises one frame per row of `styles`, in batches; `fused(start, n)` gives the batch's features.
    private func frames(styles: Tensor, noise: [Tensor], batchSize: Int,
                        fused: (_ start: Int, _ count: Int) throws -> [Int: Tensor]) throws -> [RGBImage] {
        var images: [RGBImage] = []
        let batch = max(1, batchSize), total = styles.size(0)
        for start in stride(from: 0, to: total, by: batch) {
            let n = min(batch, total - start)
            images += try ImageTensors.images(from: synthesize(styles: styles.narrow(dim: 0, start: start, length: n),
                                                               noise: noise, fused: fused(start, n)))
        }
        return images
    }

    /// A(E(x)) for each input, concatenated along the batch; computed in chunks of `batchSize`.
    private func features(of inputs: [RGBImage], batchSize: Int) throws -> [Int: Tensor] {
        var parts: [[Int: Tensor]] = []
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let x = try ImageTensors.tensor(from: Array(inputs[start..<min(start + batchSize, inputs.count)]), device: device)
            try checkInput(x)
            parts.append(try model.adaptedFeatures(x))
        }
        guard parts.count > 1, let first = parts.first else { return parts.first ?? [:] }
        var merged: [Int: Tensor] = [:]
        for key in first.keys { merged[key] = try Tensor.cat(parts.compactMap { $0[key] }, dim: 0) }
        return merged
    }

    private func checkInput(_ x: Tensor) throws {
        guard x.rank == 4, x.size(1) == 3, x.size(2) == resolution, x.size(3) == resolution else {
            throw ModelError.badInput("this StyleGAN model translates [N, 3, \(resolution), \(resolution)] images, got \(x.shape)")
        }
    }
}
