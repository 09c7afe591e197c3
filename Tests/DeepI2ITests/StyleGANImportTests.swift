@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// import-stylegan's transfer: official checkpoints (zip and legacy torch.save dicts) to a model
/// directory, with the configuration read from the shapes, and clear errors for what does not fit.
final class StyleGANImportTests: XCTestCase {
    private func folder() throws -> URL {
        let url = TestPaths.golden.deletingLastPathComponent().appendingPathComponent("stylegan256")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.appendingPathComponent("stylegan.model").path),
                          "StyleGAN reference checkpoints not found at \(url.path)")
        return url
    }

    private func assertSameTensors(_ module: Module, _ file: URL, _ label: String,
                                   file f: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try StateDictFile.readDictionary(file)
        for (name, t) in module.stateDict() {
            guard let r = reference[name] else { XCTFail("\(label): no \(name)", file: f, line: line); continue }
            XCTAssertEqual(try (t - r).abs().max().item(), 0, "\(label).\(name)", file: f, line: line)
        }
    }

    func testZipAndLegacyCheckpointsImportTheOfficialWeights() throws {
        let folder = try folder()
        for name in ["stylegan.model", "stylegan_legacy.model"] {
            let model = try StyleGANImport.makeModel(checkpoint: folder.appendingPathComponent(name), resolution: 256)
            XCTAssertEqual(model.config.channelDivisor, 8, name)
            XCTAssertEqual(model.config.codeDim, 64, name)
            XCTAssertEqual(model.config.mappingLayers, 8, name)
            XCTAssertEqual(model.config.step, 6, name)
            XCTAssertTrue(model.config.fromRGBActivate, name)
            try assertSameTensors(model.generator, folder.appendingPathComponent("G.safetensors"), "\(name) G")
            try assertSameTensors(model.discriminator, folder.appendingPathComponent("D.safetensors"), "\(name) D")
            // E is the checkpoint's discriminator too (the golden E is a different, trained encoder).
            try assertSameTensors(model.encoder, folder.appendingPathComponent("D.safetensors"), "\(name) E")
        }
        let at128 = try StyleGANImport.makeModel(checkpoint: folder.appendingPathComponent("stylegan.model"), resolution: 128)
        XCTAssertEqual(at128.config.step, 5)
    }

    func testModelDirectoryRoundTripAndFamilyGuard() throws {
        let folder = try folder()
        let model = try StyleGANImport.makeModel(checkpoint: folder.appendingPathComponent("stylegan.model"), resolution: 256,
                                                 seed: 9)
        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        try StyleGANModelDirectory.save(model, to: dir, provenance: ["source": "test"])
        let (loaded, doc) = try StyleGANModelDirectory.load(dir)
        XCTAssertEqual(doc.family, "stylegan")
        XCTAssertEqual(loaded.config, model.config)
        for (name, network) in loaded.networks {
            try assertSameTensors(network, dir.appendingPathComponent("\(name).safetensors"), name)
        }
        try assertSameTensors(loaded.adaptor, dir.appendingPathComponent("A.safetensors"), "A")
        // A BigGAN command given this directory says what it found.
        XCTAssertThrowsError(try ModelDirectory.load(dir)) { error in
            XCTAssertTrue(describe(error).contains("holds a stylegan model"), describe(error))
        }
    }

    /// Writes a checkpoint in the official layout (prefixed state dicts) as safetensors, editing tensors.
    private func writeCheckpoint(_ edit: (inout [(name: String, tensor: Tensor)]) throws -> Void) throws -> URL {
        let folder = try folder()
        var entries: [(name: String, tensor: Tensor)] = []
        for (prefix, file) in [("generator", "G"), ("g_running", "G"), ("discriminator", "D")] {
            entries += try StateDictFile.read(folder.appendingPathComponent("\(file).safetensors"))
                .map { ("\(prefix).\($0.name)", $0.tensor) }
        }
        try edit(&entries)
        let url = try TestPaths.temporaryDirectory(self).appendingPathComponent("ckpt.safetensors")
        try StateDictFile.write(entries, to: url)
        return url
    }

    func testGeneratorSourceFlagPicksTheStateDict() throws {
        let url = try writeCheckpoint { entries in
            for i in entries.indices where entries[i].name.hasPrefix("g_running.") {
                entries[i].tensor = try entries[i].tensor * 2
            }
        }
        let key = "style.1.linear.weight_orig"
        let reference = try StateDictFile.readDictionary(folder().appendingPathComponent("G.safetensors"))[key]!
        let running = try StyleGANImport.makeModel(checkpoint: url, resolution: 256, source: .gRunning)
        let plain = try StyleGANImport.makeModel(checkpoint: url, resolution: 256, source: .generator)
        let r = Dictionary(uniqueKeysWithValues: running.generator.stateDict().map { ($0.name, $0.tensor) })[key]!
        let p = Dictionary(uniqueKeysWithValues: plain.generator.stateDict().map { ($0.name, $0.tensor) })[key]!
        XCTAssertEqual(try (r - reference * 2).abs().max().item(), 0)
        XCTAssertEqual(try (p - reference).abs().max().item(), 0)
    }

    func testMismatchNamesTheKeyAndBothShapes() throws {
        let url = try writeCheckpoint { entries in
            let i = entries.firstIndex { $0.name == "discriminator.progression.3.conv1.0.conv.weight_orig" }!
            entries[i].tensor = try Tensor.zeros([32, 16, 1, 1])
        }
        XCTAssertThrowsError(try StyleGANImport.makeModel(checkpoint: url, resolution: 256)) { error in
            let text = describe(error)
            XCTAssertTrue(text.contains("progression.3.conv1.0.conv.weight_orig"), text)
            XCTAssertTrue(text.contains("[32, 16, 3, 3]") && text.contains("[32, 16, 1, 1]"), text)
        }
    }

    func testWrongFamilyAndResolutionAreClearErrors() throws {
        let folder = try folder()
        XCTAssertThrowsError(try StyleGANImport.makeModel(checkpoint: TestPaths.requireGolden().appendingPathComponent("G.safetensors"),
                                                          resolution: 128)) { error in
            XCTAssertTrue(describe(error).contains("BigGAN checkpoint"), describe(error))
        }
        XCTAssertThrowsError(try StyleGANImport.makeModel(checkpoint: folder.appendingPathComponent("stylegan.model"),
                                                          resolution: 100)) { error in
            XCTAssertTrue(describe(error).contains("resolution 100"), describe(error))
        }
        let shapes = try CheckpointInspector.shapes(folder.appendingPathComponent("stylegan.model"))
        XCTAssertThrowsError(try CheckpointInspector.inferConfig(generator: shapes, discriminator: nil, resolution: 128)) { error in
            XCTAssertTrue(describe(error).contains("import-stylegan"), describe(error))
        }
    }
}
