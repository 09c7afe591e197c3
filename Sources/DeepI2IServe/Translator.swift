import DeepI2I
import Foundation
import ImageIO
import Torch

/// Runs a loaded model for inference: many-class, many-sample translation and class morphing.
/// Not thread-safe (libtorch modules hold state); the server serialises calls through `InferenceQueue`.
public final class Translator {
    public let model: DeepI2IModel
    public var config: ModelConfig { model.config }
    public var device: Device { model.device }

    public init(model: DeepI2IModel) {
        self.model = model
        // Inference always uses the stored batch-norm statistics, so a result does not depend on
        // what else shares its batch.
        model.eval()
    }

    /// A decoded image as model input: RGB (alpha composited on white), centre-cropped and resized.
    public func prepare(_ image: DecodedImage) -> RGBImage {
        image.toRGB().squareResized(to: config.resolution)
    }

    /// z ~ N(0, 1) * truncation, one row per sample, drawn from its own seeded generator so that the
    /// same seed gives the same z whatever else the process has drawn. truncation 0 gives z = 0.
    public func noise(samples: Int, seed: UInt64, truncation: Double) throws -> Tensor {
        let rng = try RandomGenerator(seed: seed)
        return try (Tensor.randn([samples, config.dimZ], generator: rng) * truncation).to(device)
    }

    /// Translates every input into every class with every sample: result[input][sample][class].
    /// Encoder and adaptor run once per input; their features are gathered for each generator batch.
    /// Every input uses the same `samples` z vectors, so an output does not depend on the folder's order.
    public func translate(_ inputs: [RGBImage], classes: [Int], samples: Int, seed: UInt64,
                          truncation: Double = 1, batchSize: Int = 32,
                          progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [[[RGBImage]]] {
        guard !inputs.isEmpty else { return [] }
        guard samples > 0 else { throw ModelError.badInput("sample count must be positive, got \(samples)") }
        guard !classes.isEmpty else { throw ModelError.badInput("no target classes") }
        if let bad = classes.first(where: { $0 < 0 || $0 >= config.classCount }) {
            throw ModelError.badInput("class \(bad) is outside 0..<\(config.classCount)")
        }
        let batch = max(1, batchSize)
        return try withNoGrad {
            let fused = try features(of: inputs, batchSize: batch)
            let z = try noise(samples: samples, seed: seed, truncation: truncation)
            let embeddings = try model.generator.classEmbedding(classes)
            // Jobs in output order: input-major, then sample, then class.
            var jobs: [(input: Int, sample: Int, cls: Int)] = []
            for i in inputs.indices { for s in 0..<samples { for c in classes.indices { jobs.append((i, s, c)) } } }
            var outputs: [RGBImage] = []
            outputs.reserveCapacity(jobs.count)
            for start in stride(from: 0, to: jobs.count, by: batch) {
                let chunk = jobs[start..<min(start + batch, jobs.count)]
                let inputIndex = try Tensor(chunk.map { Int64($0.input) }, device: device)
                let f = try fused.mapValues { try $0.indexSelect(dim: 0, index: inputIndex) }
                let zc = try z.indexSelect(dim: 0, index: Tensor(chunk.map { Int64($0.sample) }, device: device))
                let ec = try embeddings.indexSelect(dim: 0, index: Tensor(chunk.map { Int64($0.cls) }, device: device))
                outputs += try ImageTensors.images(from: model.generator(z: zc, embedding: ec, fused: f))
                progress?(outputs.count, jobs.count)
            }
            let perInput = samples * classes.count
            return inputs.indices.map { i in
                (0..<samples).map { s in
                    let base = i * perInput + s * classes.count
                    return Array(outputs[base..<(base + classes.count)])
                }
            }
        }
    }

    /// Frames that move the class embedding along `path` at a fixed z (paper Fig. 8):
    /// e = (1 - t) e_a + t e_b on each leg, `steps` frames per leg including both ends; legs share
    /// their joining frame, so there are (path.count - 1) * (steps - 1) + 1 frames.
    public func morph(_ input: RGBImage, path: [Int], steps: Int, seed: UInt64, truncation: Double = 1,
                      batchSize: Int = 32) throws -> [RGBImage] {
        guard path.count >= 2 else { throw ModelError.badInput("a morph needs at least two classes") }
        guard steps >= 2 else { throw ModelError.badInput("a morph needs at least 2 steps per leg, got \(steps)") }
        if let bad = path.first(where: { $0 < 0 || $0 >= config.classCount }) {
            throw ModelError.badInput("class \(bad) is outside 0..<\(config.classCount)")
        }
        return try withNoGrad {
            let fused = try features(of: [input], batchSize: 1)
            let z = try noise(samples: 1, seed: seed, truncation: truncation)
            let ends = try model.generator.classEmbedding(path)
            var frames: [Tensor] = []
            for leg in 0..<(path.count - 1) {
                let a = try ends.narrow(dim: 0, start: leg, length: 1)
                let b = try ends.narrow(dim: 0, start: leg + 1, length: 1)
                for k in (leg == 0 ? 0 : 1)..<steps {
                    let t = Double(k) / Double(steps - 1)
                    frames.append(try a * (1 - t) + b * t)
                }
            }
            let embeddings = try Tensor.cat(frames, dim: 0)
            var images: [RGBImage] = []
            let batch = max(1, batchSize)
            for start in stride(from: 0, to: frames.count, by: batch) {
                let n = min(batch, frames.count - start)
                let zeros = try Tensor([Int64](repeating: 0, count: n), device: device)
                let f = try fused.mapValues { try $0.indexSelect(dim: 0, index: zeros) }
                let e = try embeddings.narrow(dim: 0, start: start, length: n)
                images += try ImageTensors.images(from: model.generator(z: z.indexSelect(dim: 0, index: zeros), embedding: e, fused: f))
            }
            return images
        }
    }

    /// A(E(x)) for each input, concatenated along the batch; computed in chunks of `batchSize`.
    private func features(of inputs: [RGBImage], batchSize: Int) throws -> [Int: Tensor] {
        var parts: [[Int: Tensor]] = []
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<min(start + batchSize, inputs.count)])
            let x = try ImageTensors.tensor(from: chunk, device: device)
            parts.append(try model.adaptor(model.encoder(x)))
        }
        guard parts.count > 1, let first = parts.first else { return parts.first ?? [:] }
        var merged: [Int: Tensor] = [:]
        for key in first.keys { merged[key] = try Tensor.cat(parts.compactMap { $0[key] }, dim: 0) }
        return merged
    }
}
