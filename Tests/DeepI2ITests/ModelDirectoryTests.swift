import Datasets
@testable import DeepI2I
import Foundation
import Torch
import XCTest

final class ModelDirectoryTests: XCTestCase {
    func smallConfig() throws -> ModelConfig {
        var config = try ModelConfig(resolution: 32, channels: 8, classCount: 3)
        config.classNames = ["cat", "dog", "fox"]
        return config
    }

    func testRoundTripPreservesWeightsAndTranslations() throws {
        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        let model = try DeepI2IModel(config: smallConfig(), seed: 3)
        try ModelDirectory.save(model, to: dir, provenance: ["source": "test"])
        let (loaded, doc) = try ModelDirectory.load(dir, networks: .all)
        XCTAssertEqual(doc.model, model.config)
        XCTAssertEqual(doc.provenance["source"], "test")
        let x = try Tensor.rand([2, 3, 32, 32], generator: RandomGenerator(seed: 1)) * 2.0 - 1.0
        let z = try Tensor.randn([2, model.config.dimZ], generator: RandomGenerator(seed: 2))
        model.eval()
        loaded.eval()
        let a = try withNoGrad { try model.translate(x, classes: [0, 2], z: z) }
        let b = try withNoGrad { try loaded.translate(x, classes: [0, 2], z: z) }
        XCTAssertEqual(a.shape, [2, 3, 32, 32])
        XCTAssertEqual(try (a - b).abs().max().item(), 0)
    }

    func testSavingReplacesAnExistingModelAtomically() throws {
        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        try ModelDirectory.save(try DeepI2IModel(config: smallConfig(), seed: 1), to: dir)
        try ModelDirectory.save(try DeepI2IModel(config: smallConfig(), seed: 2), to: dir, provenance: ["v": "2"])
        XCTAssertEqual(try ModelDirectory.readDocument(dir).provenance["v"], "2")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path)
        XCTAssertEqual(leftovers, ["model"])
    }

    /// What each writer makes is recognised as deepi2i's own, of its kind (so --overwrite may replace
    /// it), the shipped models written by earlier versions too; a folder of the user's is never replaced.
    func testWrittenFoldersAreRecognisedAndForeignOnesRefused() throws {
        let root = try TestPaths.temporaryDirectory(self)
        let config = try smallConfig()
        let model = root.appendingPathComponent("model")
        try ModelDirectory.save(try DeepI2IModel(config: config, seed: 1), to: model)
        XCTAssertEqual(OutputFolder.kind(of: model), .model)
        let gan = root.appendingPathComponent("gan")
        try GANDirectory.save(generator: Generator(config: config), ema: nil, discriminator: Discriminator(config: config),
                              config: config, to: gan)
        XCTAssertEqual(OutputFolder.kind(of: gan), .gan)
        let classifier = root.appendingPathComponent("classifier")
        try ClassifierDirectory.save(ResNetClassifier(arch: .resnet18Small, classCount: 3),
                                     config: .init(arch: .resnet18Small, classNames: config.classNames, resolution: 32,
                                                   testAccuracy: nil, iterations: 0, seed: 0, dataset: "d"),
                                     to: classifier)
        XCTAssertEqual(OutputFolder.kind(of: classifier), .classifier)
        for shipped in ["animal-mnist", "animal-mnist-scratch"] {
            let dir = TestPaths.repository.appendingPathComponent("models/\(shipped)")
            guard FileManager.default.fileExists(atPath: dir.path) else { continue }
            XCTAssertEqual(OutputFolder.kind(of: dir), .model, shipped)
        }
        // Writers refuse to replace a folder that is not theirs, or another kind of deepi2i folder.
        let thesis = root.appendingPathComponent("thesis")
        try FileManager.default.createDirectory(at: thesis, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: thesis.appendingPathComponent("thesis.txt"))
        XCTAssertThrowsError(try ModelDirectory.save(try DeepI2IModel(config: config, seed: 1), to: thesis)) { error in
            XCTAssertEqual(error as? OutputFolderError, .notDeepI2I(thesis.path, kind: .model))
        }
        XCTAssertThrowsError(try ModelDirectory.save(try DeepI2IModel(config: config, seed: 1), to: gan)) { error in
            XCTAssertEqual(error as? OutputFolderError, .otherKind(gan.path, found: .gan, wanted: .model))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: thesis.path), ["thesis.txt"])
        XCTAssertEqual(OutputFolder.kind(of: gan), .gan)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["classifier", "gan", "model", "thesis"])
    }

    /// Every file of a saved model has exactly the official state dict's keys and shapes (E and A with
    /// the official unused linear/embed entries), so the authors' code loads each with strict=True;
    /// and such files load back here, as do older ones without those entries.
    func testModelFilesHaveTheOfficialKeySets() throws {
        let golden = try TestPaths.requireGolden()
        let model = try DeepI2IModel(config: ReferenceCheck(folder: golden).config, seed: 1)
        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        try ModelDirectory.save(model, to: dir)
        for name in ["G", "D", "E", "A"] {
            let ours = try StateDictFile.readDictionary(dir.appendingPathComponent("\(name).safetensors"))
            let official = try StateDictFile.readDictionary(golden.appendingPathComponent("\(name).safetensors"))
            XCTAssertEqual(ours.mapValues(\.shape), official.mapValues(\.shape), name)
        }
        let ownKeys = Set(model.encoder.stateDict().map(\.name))
        XCTAssertFalse(ownKeys.contains("linear.weight"))
        let (loaded, _) = try ModelDirectory.load(dir, networks: .all)
        for (a, b) in zip(model.adaptor.stateDict(), loaded.adaptor.stateDict()) {
            XCTAssertEqual(try (a.tensor - b.tensor).abs().max().item(), 0, a.name)
        }
        // A file without the unused entries (earlier versions) still loads.
        try model.encoder.save(to: dir.appendingPathComponent("E.safetensors"))
        XCTAssertNoThrow(try ModelDirectory.load(dir))
    }

    func testErrorsNameTheProblem() throws {
        let root = try TestPaths.temporaryDirectory(self)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return describe(error) }
        }
        XCTAssertTrue(message { _ = try ModelDirectory.load(root.appendingPathComponent("absent")) }.contains("does not exist"))
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertTrue(message { _ = try ModelDirectory.load(empty) }.contains("no config.json"))
        try Data("{not json".utf8).write(to: empty.appendingPathComponent("config.json"))
        XCTAssertTrue(message { _ = try ModelDirectory.load(empty) }.contains("not a valid deepi2i model config"))

        let dir = root.appendingPathComponent("model")
        try ModelDirectory.save(try DeepI2IModel(config: smallConfig()), to: dir, includeDiscriminator: false)
        XCTAssertTrue(message { _ = try ModelDirectory.load(dir, networks: .all) }.contains("no D.safetensors"))
        // Weights of another width do not fit the configuration.
        var other = try smallConfig()
        other.generatorChannels = 16
        let wide = root.appendingPathComponent("wide")
        try ModelDirectory.save(try DeepI2IModel(config: other), to: wide)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("G.safetensors"))
        try FileManager.default.copyItem(at: wide.appendingPathComponent("G.safetensors"), to: dir.appendingPathComponent("G.safetensors"))
        let mismatch = message { _ = try ModelDirectory.load(dir) }
        XCTAssertTrue(mismatch.contains("G.safetensors") && mismatch.contains("shape mismatch"), mismatch)
        // A truncated weights file.
        let g = dir.appendingPathComponent("G.safetensors")
        let bytes = try Data(contentsOf: g)
        try bytes.prefix(bytes.count / 2).write(to: g)
        XCTAssertTrue(message { _ = try ModelDirectory.load(dir) }.contains("G.safetensors"))
    }
}
