import Foundation
import Torch

/// The resumable part of a GAN directory: `training_state.json` (iteration, data position, options)
/// and `training_state.safetensors` (Adam moments of G and D, random-generator states).
public enum GANTrainingState {
    public static let documentFile = "training_state.json"
    public static let tensorFile = "training_state.safetensors"

    public struct Record: Codable, Equatable {
        public var iteration: Int
        public var position: BatchStream.Position
        public var optimizerSteps: [String: Int]
        public var config: GANTrainingConfig
    }

    public static func read(_ dir: URL) throws -> Record {
        let url = dir.appendingPathComponent(documentFile)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrainingError.checkpoint("--resume: \(dir.path) has no \(documentFile) (it was not written by pretrain-gan, or by a version without resume)")
        }
        do { return try JSONDecoder().decode(Record.self, from: data) } catch {
            throw TrainingError.checkpoint("\(url.path) is unreadable: \(describe(error))")
        }
    }

    static func write(_ record: Record, optimizers: [(name: String, optimizer: Adam)], samplingRNG: RandomGenerator, into dir: URL) throws {
        let (tensors, steps) = try OptimizerSnapshot.tensors(optimizers: optimizers, samplingRNG: samplingRNG)
        var record = record
        record.optimizerSteps = steps
        try StateDictFile.write(tensors, to: dir.appendingPathComponent(tensorFile))
        try AtomicDirectory.writeJSON(record, to: dir.appendingPathComponent(documentFile))
    }

    static func restore(_ dir: URL, record: Record, generator: Generator, ema: Generator?, discriminator: Discriminator,
                        optimizers: [(name: String, optimizer: Adam)], samplingRNG: RandomGenerator) throws {
        func load(_ network: Module, _ file: String) throws {
            let url = dir.appendingPathComponent(file)
            do { try network.load(from: url) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit the GAN being trained: \(describe(error))")
            }
        }
        try load(generator, "G.safetensors")
        try load(discriminator, "D.safetensors")
        if let ema { try load(ema, "G_ema.safetensors") }
        let tensors = try StateDictFile.readDictionary(dir.appendingPathComponent(tensorFile))
        try OptimizerSnapshot.restore(tensors, steps: record.optimizerSteps, optimizers: optimizers,
                                      samplingRNG: samplingRNG, source: dir.path)
    }
}
