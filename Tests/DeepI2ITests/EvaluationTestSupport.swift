import Datasets
import DeepI2I
import Foundation
import XCTest

/// A small real dataset (Animal-MNIST, 32 px, first N images per class) packed once per test run.
enum SmallAnimalMNIST {
    nonisolated(unsafe) private static var packed: [Int: URL] = [:]

    static func dataset(perClass: Int) throws -> PackedDataset {
        if let url = packed[perClass] { return try PackedDataset(at: url) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-eval-animal-\(perClass)-\(UUID())")
        do {
            _ = try BuiltinDatasets.pack(.animalMNIST, resolution: 32, out: url, seed: 1, perClassLimit: perClass,
                                         installIfMissing: false, log: { _ in })
        } catch {
            throw XCTSkip("Animal-MNIST is not installed (pip install --no-deps animal-mnist): \(error)")
        }
        packed[perClass] = url
        return try PackedDataset(at: url)
    }
}
