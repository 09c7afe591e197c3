import Datasets
import DeepI2I
import Foundation
import XCTest

/// A small real dataset (Animal-MNIST, 32 px, first N images per class), packed once into a fixed
/// temporary folder and reused by later runs (packing is deterministic).
enum SmallAnimalMNIST {
    nonisolated(unsafe) private static var packed: [Int: URL] = [:]

    static func dataset(perClass: Int) throws -> PackedDataset {
        if let url = packed[perClass] { return try PackedDataset(at: url) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-tests-animal-mnist-32px-\(perClass)")
        if let existing = try? PackedDataset(at: url) {
            packed[perClass] = url
            return existing
        }
        do {
            _ = try BuiltinDatasets.pack(.animalMNIST, resolution: 32, out: url, seed: 1, perClassLimit: perClass,
                                         overwrite: true, installIfMissing: false, log: { _ in })
        } catch {
            throw XCTSkip("Animal-MNIST is not installed (pip install --no-deps animal-mnist): \(error)")
        }
        packed[perClass] = url
        return try PackedDataset(at: url)
    }
}
