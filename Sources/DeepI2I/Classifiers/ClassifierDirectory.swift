import Datasets
import Foundation
import Torch

/// A trained classifier on disk: `classifier.json` (this config) + `weights.safetensors`.
public enum ClassifierDirectory {
    public static let format = "deepi2i-classifier"

    public struct Config: Codable, Equatable, Sendable {
        public var format: String = ClassifierDirectory.format
        public var version: Int = 1
        public var arch: ClassifierArch
        public var classNames: [String]
        public var resolution: Int
        public var testAccuracy: Double?
        public var iterations: Int
        public var seed: UInt64
        public var dataset: String

        public init(arch: ClassifierArch, classNames: [String], resolution: Int, testAccuracy: Double?,
                    iterations: Int, seed: UInt64, dataset: String) {
            self.arch = arch
            self.classNames = classNames
            self.resolution = resolution
            self.testAccuracy = testAccuracy
            self.iterations = iterations
            self.seed = seed
            self.dataset = dataset
        }
    }

    public static func configURL(_ dir: URL) -> URL { dir.appendingPathComponent("classifier.json") }
    public static func weightsURL(_ dir: URL) -> URL { dir.appendingPathComponent("weights.safetensors") }

    /// Writes atomically (temporary sibling folder, then renamed over `dir`, which may only be a
    /// classifier deepi2i wrote).
    public static func save(_ model: ResNetClassifier, config: Config, to dir: URL) throws {
        try OutputFolder.requireReplaceable(dir, as: .classifier)
        try AtomicDirectory.write(dir) { tmp in
            try model.save(to: weightsURL(tmp), metadata: ["format": format, "arch": config.arch.rawValue])
            try AtomicDirectory.writeJSON(config, to: configURL(tmp))
        }
    }

    public static func load(_ dir: URL, device: Device = .cpu) throws -> (model: ResNetClassifier, config: Config) {
        let configFile = configURL(dir)
        guard let data = FileManager.default.contents(atPath: configFile.path) else {
            throw EvaluationError.classifier("no \(configFile.lastPathComponent) in \(dir.path) (train one with `deepi2i train-classifier`)")
        }
        let config: Config
        do { config = try JSONDecoder().decode(Config.self, from: data) } catch {
            throw EvaluationError.classifier("\(configFile.path) is not a classifier config: \(error)")
        }
        guard config.format == format else {
            throw EvaluationError.classifier("\(configFile.path) has format '\(config.format)', expected '\(format)'")
        }
        let model = try ResNetClassifier(arch: config.arch, classCount: config.classNames.count)
        try model.to(device)
        try model.load(from: weightsURL(dir))
        model.eval()
        return (model, config)
    }
}
