import Foundation
import Torch

/// Runs a StyleGAN reference folder (shared/golden/stylegan256: config.json with "family": "stylegan",
/// G/D/E/A weights, cases, grads) through our networks: inference (E, A, G fused / plain / truncated /
/// mixed, D, the 128 px entry), then WGAN-GP and R1 discriminator and generator/adaptor steps with their
/// losses and every gradient. Each case starts again from the saved weights.
public struct StyleGANReferenceCheck {
    /// The settings config.json records (train.py's names).
    struct Settings: Decodable {
        var family: String
        var step: Int
        var alpha: Double?
        var fused: Bool?
        var from_rgb_activate: Bool?
        var E1_fea_w: [String: Double]
        var D_fea_w: [String: Double]
    }

    public let folder: URL
    public var tolerances = ReferenceTolerances()
    /// Where the networks run (the reference vectors are moved there; comparisons are made on the CPU).
    public var device: Device = .cpu
    public let config: StyleGANConfig
    let alpha: Double

    public init(folder: URL) throws {
        self.folder = folder
        let url = folder.appendingPathComponent("config.json")
        let settings: Settings
        do { settings = try JSONDecoder().decode(Settings.self, from: Data(contentsOf: url)) } catch {
            throw ModelError.checkpoint("\(url.path) is not a valid StyleGAN reference config: \(error)")
        }
        guard settings.family == "stylegan" else {
            throw ModelError.checkpoint("\(url.path) describes family '\(settings.family)', not stylegan")
        }
        let shapes = try Self.shapes(folder.appendingPathComponent("G.safetensors"))
        let dShapes = try Self.shapes(folder.appendingPathComponent("D.safetensors"))
        var config = try StyleGANConfig.inferred(fromGenerator: shapes, discriminator: dShapes, step: settings.step)
        config.fused = settings.fused ?? config.fused
        config.fromRGBActivate = settings.from_rgb_activate ?? config.fromRGBActivate
        config.fusionWeights = try Self.byWidth(settings.E1_fea_w, "E1_fea_w")
        config.reconstructionWeights = try Self.byWidth(settings.D_fea_w, "D_fea_w")
        try config.validate()
        self.config = config
        alpha = settings.alpha ?? -1
    }

    static func shapes(_ url: URL) throws -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: try StateDictFile.readHost(url).map { ($0.name, $0.tensor.shape) })
    }

    static func byWidth(_ weights: [String: Double], _ name: String) throws -> [Int: Double] {
        var out: [Int: Double] = [:]
        for (k, v) in weights {
            guard let w = Int(k) else { throw ModelError.checkpoint("config.json \(name) has a non-width key '\(k)'") }
            out[w] = v
        }
        return out
    }

    /// A model holding the reference weights, every key and shape checked (strict).
    public func loadModel() throws -> StyleGANModel {
        let model = try StyleGANModel(config: config)
        for (name, network) in model.networks {
            try network.load(from: folder.appendingPathComponent("\(name).safetensors"))
            try network.to(device)
        }
        return model
    }

    /// Runs every comparison, reporting each as it completes.
    public func run(report: (ReferenceComparison) -> Void = { _ in }) throws -> [ReferenceComparison] {
        let cases = try StateDictFile.readDictionary(folder.appendingPathComponent("cases.safetensors")).mapValues { try $0.to(device) }
        func input(_ key: String) throws -> Tensor {
            guard let t = cases[key] else { throw ModelError.checkpoint("cases.safetensors has no '\(key)'") }
            return t
        }
        var results: [ReferenceComparison] = []
        func record(_ c: ReferenceComparison) {
            results.append(c)
            report(c)
        }
        // Values: max |got - ref| / max(1, max |ref|). Within [-1, 1] (features, logits, tiny128's tanh
        // images) this is tiny128's absolute error; StyleGAN's images are unbounded (|x| up to ~13 here),
        // and float32 noise grows with them: the official op sequence run in PyTorch 1.13 misses the
        // libtorch-2.x reference by 1.7e-4 absolute on eval_G_nofusion, and even in float64 by 1.3e-4.
        func compareValue(_ name: String, _ got: Tensor) throws {
            let ref = try input(name)
            let scale = Swift.max(1, try ref.abs().max().item())
            record(ReferenceComparison(name: name, kind: .value, error: try maxAbsDifference(got, ref, name) / scale,
                                       tolerance: tolerances.value))
        }
        func compareLoss(_ name: String, _ got: Tensor) throws {
            let r = try input(name).sum().item(), g = try got.sum().item()
            record(ReferenceComparison(name: name, kind: .loss, error: Swift.abs(g - r) / Swift.max(Swift.abs(r), 1e-12),
                                       tolerance: tolerances.loss))
        }

        let step = config.step
        let xY = try input("x_y"), xReal = try input("x_real"), z1 = try input("z1"), z2 = try input("z2")
        let noise = try (0...step).map { try input("noise_\(4 << $0)") }
        let widths = StyleGANConfig.fusionWidths

        // Inference.
        try withNoGrad {
            let model = try loadModel()
            let e = try model.encoder(xY, step: step).features
            for w in widths { try compareValue("eval_E_\(w)", try feature(e, w)) }
            let a = try model.adaptor(e)
            for w in widths { try compareValue("eval_A_\(w)", try feature(a, w)) }
            let g = model.generator
            let mean = try g.meanStyle(input("z_mean"))
            try compareValue("eval_mean_style", mean)
            try compareValue("eval_G", g(z: [z1], noise: noise, step: step, alpha: alpha, fused: a))
            try compareValue("eval_G_nofusion", g(z: [z1], noise: noise, step: step, alpha: alpha))
            try compareValue("eval_G_trunc07", g(z: [z1], noise: noise, step: step, alpha: alpha,
                                                 truncation: (mean, 0.7), fused: a))
            // The reference's mixed sample is a plain StyleGAN sample (no fusion).
            try compareValue("eval_G_mix", g(z: [z1, z2], noise: noise, step: step, alpha: alpha, mixing: .range(0...3)))
            // D runs on the reference translation so that its comparison isolates D.
            let (logit, features) = try model.discriminator(input("eval_G"), step: step, alpha: alpha)
            try compareValue("eval_D_logit", logit)
            for w in widths { try compareValue("eval_D_\(w)", try feature(features, w)) }
            // The 128 px entry point (step - 1).
            let x128 = try input("x_y_128")
            let a128 = try model.adaptor(model.encoder(x128, step: step - 1).features)
            try compareValue("eval128_G", g(z: [z1], noise: Array(noise.prefix(step)), step: step - 1, alpha: alpha, fused: a128))
            try compareValue("eval128_D_logit", model.discriminator(input("eval128_G"), step: step - 1, alpha: alpha).logit)
        }

        var gradients: [(name: String, got: Tensor?)] = []
        for (kind, prefix) in [(StyleGANLossKind.wganGP, "wgan"), (.r1, "r1")] {
            // Discriminator step: fake = G(z1) fused with A(E(x_y)).
            let dModel = try loadModel()
            let fake = try withNoGrad {
                try dModel.generator(z: [z1], noise: noise, step: step, alpha: alpha,
                                     fused: dModel.adaptor(dModel.encoder(xY, step: step).features))
            }
            let terms = try StyleGANLosses.discriminator(kind, dModel.discriminator, real: xReal, fake: fake, step: step,
                                                         alpha: alpha, eps: kind == .wganGP ? input("gp_eps") : nil)
            switch kind {
            case .wganGP:
                try compareLoss("wgan_d_real", terms.real)
                try compareLoss("wgan_d_fake", terms.fake)
                try compareLoss("wgan_gp", terms.penalty)
            case .r1:
                try compareLoss("r1_d_real", terms.real)
                try compareLoss("r1_d_fake", terms.fake)
                try compareLoss("r1_penalty", terms.penalty)
            }
            try terms.total.backward()
            gradients += dModel.discriminator.namedParameters(prefix: "\(prefix)_D").map { ($0.name, $0.tensor.grad) }

            // Generator/adaptor step: E and D frozen, fake = G(z2) fused with A(E(x_y)).
            let gModel = try loadModel()
            try gModel.encoder.freeze()
            try gModel.discriminator.freeze()
            let translation = try gModel.generator(z: [z2], noise: noise, step: step, alpha: alpha,
                                                   fused: gModel.adaptor(gModel.encoder(xY, step: step).features))
            try compareValue("\(prefix)_g_fake", translation)
            let (fakeLogit, fakeFeatures) = try gModel.discriminator(translation, step: step, alpha: alpha)
            let inputFeatures = try gModel.discriminator(xY, step: step, alpha: alpha).features
            let adversarial = try StyleGANLosses.generatorAdversarial(kind, fakeLogit: fakeLogit)
            let reconstruction = try StyleGANLosses.reconstruction(input: inputFeatures, translation: fakeFeatures,
                                                                   weights: config.reconstructionWeights)
            try compareLoss("\(prefix)_g_adv", adversarial)
            try compareLoss("\(prefix)_g_rec", reconstruction)
            try (adversarial + reconstruction).backward()
            gradients += gModel.generator.namedParameters(prefix: "\(prefix)_G").map { ($0.name, $0.tensor.grad) }
            gradients += gModel.adaptor.namedParameters(prefix: "\(prefix)_A").map { ($0.name, $0.tensor.grad) }
        }

        // Every reference gradient; parameters the reference has none for (unused at this step) must have none.
        let refGrads = try StateDictFile.read(folder.appendingPathComponent("grads.safetensors"))
        var largest = 0.0
        for (_, g) in refGrads { largest = Swift.max(largest, try g.abs().max().item()) }
        let ours = Dictionary(uniqueKeysWithValues: gradients.map { ($0.name, $0.got) })
        let referenced = Set(refGrads.map(\.name))
        for (name, ref) in refGrads {
            guard let entry = ours[name] else { throw ModelError.checkpoint("grads.safetensors names unknown parameter '\(name)'") }
            let got = try entry ?? Tensor.zeros(ref.shape)
            let scale = Swift.max(try ref.abs().max().item(), 0.01 * largest)
            record(ReferenceComparison(name: "grad \(name)", kind: .gradient,
                                       error: try maxAbsDifference(got, ref, name) / Swift.max(scale, 1e-30),
                                       tolerance: tolerances.gradient))
        }
        for (name, got) in gradients where !referenced.contains(name) {
            if let got, try got.abs().max().item() != 0 {
                throw ModelError.checkpoint("'\(name)' has a gradient but the reference has none")
            }
        }
        return results
    }

    private func feature(_ features: [Int: Tensor], _ width: Int) throws -> Tensor {
        guard let f = features[width] else { throw ModelError.badInput("no feature at width \(width)") }
        return f
    }

    private func maxAbsDifference(_ got: Tensor, _ ref: Tensor, _ name: String) throws -> Double {
        guard got.shape == ref.shape else {
            throw ModelError.checkpoint("'\(name)': our shape \(got.shape) differs from the reference \(ref.shape)")
        }
        return try (got.detached().to(.cpu, dtype: .f64) - ref.to(.cpu, dtype: .f64)).abs().max().item()
    }
}
