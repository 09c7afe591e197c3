import Datasets
import Foundation
import ImageIO
import XCTest

/// OutputFolder: an output never is, contains or lies inside an input, and only a deepi2i folder of the
/// right kind is replaced; the dataset writer applies the same rule.
final class OutputFolderTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try temporaryFolder("outputfolder")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func folder(_ name: String, files: [String: String] = [:]) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (file, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(file)) }
        return url
    }

    func testStatesAndKinds() throws {
        XCTAssertEqual(try OutputFolder.state(of: root.appendingPathComponent("none")), .absent)
        XCTAssertEqual(try OutputFolder.state(of: try folder("empty")), .empty)
        let file = root.appendingPathComponent("file.txt")
        try Data("x".utf8).write(to: file)
        XCTAssertEqual(try OutputFolder.state(of: file), .file)
        XCTAssertEqual(try OutputFolder.state(of: try folder("thesis", files: ["thesis.txt": "mine"])), .foreign)
        // Only one hidden file still makes a folder not empty (and not deepi2i's).
        XCTAssertEqual(try OutputFolder.state(of: try folder("hidden", files: [".keep": ""])), .foreign)
        // A document of the right name but another tool's content is not deepi2i's.
        XCTAssertEqual(try OutputFolder.state(of: try folder("other-config", files: ["config.json": #"{"format": "other"}"#])), .foreign)
        XCTAssertEqual(try OutputFolder.state(of: try folder("bad-json", files: ["manifest.json": "not json"])), .foreign)
        let model = try folder("model", files: ["config.json": #"{"format": "deepi2i-model", "version": 1}"#])
        XCTAssertEqual(try OutputFolder.state(of: model), .deepI2I(.model))
        let gan = try folder("gan", files: ["gan.json": #"{"format": "deepi2i-gan"}"#])
        XCTAssertEqual(OutputFolder.kind(of: gan), .gan)
        let classifier = try folder("clf", files: ["classifier.json": #"{"format": "deepi2i-classifier"}"#])
        XCTAssertEqual(OutputFolder.kind(of: classifier), .classifier)
        let run = try folder("run", files: ["run.json": #"{"config": {}, "model": {}, "dataset": "d", "libtorch": "1.13"}"#])
        XCTAssertEqual(OutputFolder.kind(of: run), .trainingRun)
        let evaluation = try folder("eval", files: ["metrics.json": #"{"metrics": [], "classNames": [], "options": {}, "model": "m"}"#])
        XCTAssertEqual(OutputFolder.kind(of: evaluation), .evaluation)
    }

    func testPackedDatasetIsRecognised() throws {
        let out = root.appendingPathComponent("ds")
        let writer = try PackedDatasetWriter(destination: out, resolution: 4)
        try writer.append(noiseImage(width: 4, height: 4, seed: 1), label: 0)
        try writer.finish(classNames: ["a"], seed: 0, source: "test")
        XCTAssertEqual(OutputFolder.kind(of: out), .dataset)
    }

    func testOverlapWithInputsIsRefused() throws {
        let src = try folder("S2/cat", files: ["a.png": "png"]).deletingLastPathComponent()
        func relation(_ out: URL, _ inputs: [OutputFolder.Input?]) -> OutputFolderError.Relation? {
            do {
                try OutputFolder.check(out, as: .dataset, inputs: inputs, overwrite: true)
                return nil
            } catch OutputFolderError.overlapsInput(_, _, _, let relation) {
                return relation
            } catch {
                XCTFail("unexpected \(error)")
                return nil
            }
        }
        let input = OutputFolder.Input("SRC", src.path)
        XCTAssertEqual(relation(src, [input]), .same)
        XCTAssertEqual(relation(src.appendingPathComponent("cat"), [input]), .inside)
        XCTAssertEqual(relation(src.appendingPathComponent("new/deeper"), [input]), .inside)
        XCTAssertEqual(relation(root, [input]), .contains)
        // Other spellings of the same folder: "..", a trailing slash, a symbolic link.
        XCTAssertEqual(relation(URL(fileURLWithPath: src.path + "/cat/.."), [input]), .same)
        XCTAssertEqual(relation(URL(fileURLWithPath: src.path + "/"), [input]), .same)
        let link = root.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: src)
        XCTAssertEqual(relation(link, [input]), .same)
        XCTAssertEqual(relation(link.appendingPathComponent("cat"), [input]), .inside)
        // A file input (a checkpoint) inside the output.
        XCTAssertEqual(relation(src, [OutputFolder.Input("--generator", src.path + "/cat/a.png")]), .contains)
        // A sibling whose name starts like the input is no overlap; options not given are ignored.
        XCTAssertNil(relation(root.appendingPathComponent("S2-packed"), [input, OutputFolder.Input("--data", nil as String?)]))
        // The message names both paths and the input's role.
        XCTAssertThrowsError(try OutputFolder.check(src, as: .dataset, inputs: [input], overwrite: true)) { error in
            XCTAssertTrue("\(error)".contains(src.path), "\(error)")
            XCTAssertTrue("\(error)".contains("(SRC)"), "\(error)")
        }
    }

    func testOnlyDeepI2IFoldersOfTheRightKindAreReplaced() throws {
        let model = try folder("model", files: ["config.json": #"{"format": "deepi2i-model"}"#])
        let thesis = try folder("thesis", files: ["thesis.txt": "mine"])
        XCTAssertEqual(try OutputFolder.check(root.appendingPathComponent("new"), as: .model, overwrite: false), .create)
        XCTAssertEqual(try OutputFolder.check(try folder("empty"), as: .model, overwrite: false), .create)
        XCTAssertEqual(try OutputFolder.check(model, as: .model, overwrite: true), .replace)
        XCTAssertEqual(try OutputFolder.check(model, as: .model, overwrite: false, resume: true), .resume)
        XCTAssertThrowsError(try OutputFolder.check(model, as: .model, overwrite: false)) { error in
            XCTAssertEqual(error as? OutputFolderError, .exists(model.path, kind: .model, resumable: false))
            XCTAssertTrue("\(error)".contains("--overwrite"))
        }
        XCTAssertThrowsError(try OutputFolder.check(model, as: .gan, overwrite: true)) { error in
            XCTAssertEqual(error as? OutputFolderError, .otherKind(model.path, found: .model, wanted: .gan))
        }
        for overwrite in [false, true] {
            XCTAssertThrowsError(try OutputFolder.check(thesis, as: .dataset, overwrite: overwrite)) { error in
                XCTAssertEqual(error as? OutputFolderError, .notDeepI2I(thesis.path, kind: .dataset))
                XCTAssertTrue("\(error)".contains(thesis.path))
            }
        }
        let file = root.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try OutputFolder.check(file, as: .evaluation, overwrite: true)) { error in
            XCTAssertEqual(error as? OutputFolderError, .notAFolder(file.path))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: thesis.appendingPathComponent("thesis.txt").path))
    }

    func testDatasetWriterReplacesOnlyADataset() throws {
        let thesis = try folder("thesis", files: ["thesis.txt": "mine"])
        XCTAssertThrowsError(try PackedDatasetWriter(destination: thesis, resolution: 4, overwrite: true)) { error in
            XCTAssertEqual(error as? OutputFolderError, .notDeepI2I(thesis.path, kind: .dataset))
        }
        XCTAssertEqual(try String(contentsOf: thesis.appendingPathComponent("thesis.txt"), encoding: .utf8), "mine")
        // A dataset is replaced, and nothing is left beside it.
        let out = root.appendingPathComponent("ds")
        for label in [0, 1] {
            let writer = try PackedDatasetWriter(destination: out, resolution: 4, overwrite: true)
            try writer.append(noiseImage(width: 4, height: 4, seed: label), label: 0)
            try writer.finish(classNames: ["class\(label)"], seed: 0, source: "test")
        }
        XCTAssertEqual(try PackedDataset(at: out).manifest.classNames, ["class1"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted(), ["ds", "thesis"])
    }

    func testSetAsideRestoresOrDiscards() throws {
        let run = try folder("run", files: ["run.json": "old"])
        let aside = try XCTUnwrap(try OutputFolder.setAside(run))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
        _ = try folder("run", files: ["run.json": "new, half-written"])
        try aside.restore()
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("run.json"), encoding: .utf8), "old")
        let again = try XCTUnwrap(try OutputFolder.setAside(run))
        _ = try folder("run", files: ["run.json": "new"])
        again.discard()
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("run.json"), encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["run"])
        XCTAssertNil(try OutputFolder.setAside(root.appendingPathComponent("absent")))
    }
}
