import Datasets
import DeepI2I
import Foundation
import ImageIO
import Torch
import XCTest
import Support

/// The base of test classes whose tests share one `TrainingFixture`, built once per class (building it
/// trains a source GAN) and removed after the class.
class TrainingFixtureTestCase: XCTestCase {
    static var fixture: TrainingFixture!

    override class func setUp() {
        super.setUp()
        do { fixture = try TrainingFixture() } catch { print("fixture: \(error)") }
    }

    override class func tearDown() {
        fixture = nil
        super.tearDown()
    }

    var fx: TrainingFixture { get throws { try XCTUnwrap(Self.fixture, "fixture failed to build") } }
}

/// A tiny world for training tests: a 3-class 32x32 packed dataset of synthetic shapes and a source
/// GAN made by `pretrainGAN` (2 iterations), in a temporary folder.
final class TrainingFixture {
    let root: URL
    let data: URL
    let gan: URL
    static let classes = 3

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-train-\(UUID().uuidString.prefix(8))")
        data = root.appendingPathComponent("data")
        gan = root.appendingPathComponent("gan")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let writer = try PackedDatasetWriter(destination: data, resolution: 32)
        var rng = SplitMix64(seed: 7)
        for i in 0..<30 {
            let label = i % Self.classes
            var pixels = [UInt8](repeating: 0, count: 32 * 32 * 3)
            for y in 0..<32 {
                for x in 0..<32 {
                    // Class-dependent stripes plus noise: learnable, distinct classes.
                    let on = label == 0 ? (x / 4) % 2 == 0 : label == 1 ? (y / 4) % 2 == 0 : ((x + y) / 4) % 2 == 0
                    let v = UInt8(truncatingIfNeeded: (on ? 200 : 40) + rng.below(30))
                    pixels[(y * 32 + x) * 3] = v
                    pixels[(y * 32 + x) * 3 + 1] = v
                    pixels[(y * 32 + x) * 3 + 2] = v
                }
            }
            try writer.append(RGBImage(width: 32, height: 32, pixels: pixels), label: label)
        }
        _ = try writer.finish(classNames: ["h", "v", "d"], seed: 0, source: "synthetic stripes")
        var g = GANTrainingConfig(data: data.path, resolution: 32, channels: 8)
        g.iterations = 2
        g.batchSize = 4
        g.ema = true
        var hooks = TrainingHooks()
        hooks.showProgress = false
        hooks.log = { _ in }
        _ = try pretrainGAN(config: g, outDirectory: gan, hooks: hooks)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func config(_ initialisation: Initialisation? = nil) -> TrainingConfig {
        var c = TrainingConfig(data: data.path, initialisation: initialisation ?? .transfer(ganDirectory: gan.path, parts: .all))
        c.iterations = 4
        c.phase1Iterations = 2
        c.batchSize = 4
        c.accumulate = 2
        c.checkpointEvery = 2
        c.sampleEvery = 100
        c.sampleRows = 2
        return c
    }

    var quiet: TrainingHooks {
        var h = TrainingHooks()
        h.showProgress = false
        h.log = { _ in }
        return h
    }

    func run(_ name: String) -> URL { root.appendingPathComponent(name) }
}

/// Parameters (and buffers) of a module as host arrays, for before/after comparisons.
func snapshot(_ module: Module, parametersOnly: Bool = true) throws -> [String: [Float]] {
    let entries = parametersOnly ? module.namedParameters() : module.stateDict()
    var out: [String: [Float]] = [:]
    for (name, t) in entries { out[name] = try t.detached().contiguous().toArray(of: Float.self) }
    return out
}

func maxDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float {
    var m: Float = 0
    for (k, va) in a {
        guard let vb = b[k], vb.count == va.count else { return .infinity }
        for (x, y) in zip(va, vb) { m = max(m, abs(x - y)) }
    }
    return m
}
