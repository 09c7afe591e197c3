import DeepI2I
import Foundation
import Torch
import XCTest

/// torch.optim.Adam state dicts (Fixtures/optimizers, made by make_fixtures.py with torch 1.13): zip, legacy,
/// and torch 1.0's integer step, mapped to parameters by order.
final class OptimizerImportTests: XCTestCase {
    let dir = TestPaths.repository.appendingPathComponent("Tests/DeepI2ITests/Fixtures/optimizers")
    // nn.Sequential(Linear(3,4), BatchNorm1d(4), Linear(4,2,bias=False)): parameters() order.
    let names = ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight"]
    let shapes = ["0.weight": [4, 3], "0.bias": [4], "1.weight": [4], "1.bias": [4], "2.weight": [2, 4]]

    func testReadsAdamStateInEveryFormat() throws {
        let expected = try StateDictFile.readDictionary(dir.appendingPathComponent("expected.pth"))
        for file in ["adam_zip.pth", "adam_legacy.pth", "adam_intstep_legacy.pth"] {
            let state = try ImportedOptimizers.read(dir.appendingPathComponent(file), parameterNames: names, parameterShapes: shapes)
            XCTAssertEqual(state.step, 3, file)
            XCTAssertEqual(state.moments.map(\.name), names, file)
            for m in state.moments {
                let a = try XCTUnwrap(expected["\(m.name).exp_avg"]), b = try XCTUnwrap(expected["\(m.name).exp_avg_sq"])
                XCTAssertEqual(try (m.expAvg - a).abs().max().item(), 0, "\(file) \(m.name)")
                XCTAssertEqual(try (m.expAvgSq - b).abs().max().item(), 0, "\(file) \(m.name)")
                XCTAssertGreaterThan(try m.expAvgSq.abs().max().item(), 0)
            }
        }
    }

    /// The module's own state-dict order (with buffers) gives the parameter order, as import-biggan uses it.
    func testParameterOrderFromTheWeightsFile() throws {
        let order = try StateDictFile.readHost(dir.appendingPathComponent("module.pth")).map(\.name).filter { shapes[$0] != nil }
        XCTAssertEqual(order, names)
    }

    /// A class embedding with rows appended by the semantic class map: the imported rows are kept and each
    /// new row's moments are the mean of theirs. Any other parameter with extra rows is still refused.
    func testAppendedClassRowsStartFromTheMeanMoments() throws {
        let expected = try StateDictFile.readDictionary(dir.appendingPathComponent("expected.pth"))
        var renamed = names
        renamed[4] = "embed.weight"
        var grown = shapes
        grown["2.weight"] = nil
        grown["embed.weight"] = [5, 4]
        let state = try ImportedOptimizers.read(dir.appendingPathComponent("adam_zip.pth"), parameterNames: renamed, parameterShapes: grown)
        let embed = try XCTUnwrap(state.moments.first { $0.name == "embed.weight" })
        for (moment, key) in [(embed.expAvg, "2.weight.exp_avg"), (embed.expAvgSq, "2.weight.exp_avg_sq")] {
            let original = try XCTUnwrap(expected[key])
            XCTAssertEqual(moment.shape, [5, 4])
            XCTAssertEqual(try (moment.narrow(dim: 0, start: 0, length: 2) - original).abs().max().item(), 0, key)
            let mean = try original.mean(dims: [0], keepDim: true)
            for row in 2..<5 {
                XCTAssertLessThan(try (moment.narrow(dim: 0, start: row, length: 1) - mean).abs().max().item(), 1e-7, "\(key) row \(row)")
            }
        }
        var other = shapes
        other["2.weight"] = [5, 4]
        XCTAssertThrowsError(try ImportedOptimizers.read(dir.appendingPathComponent("adam_zip.pth"), parameterNames: names, parameterShapes: other)) {
            XCTAssertTrue(describe($0).contains("2.weight"), describe($0))
        }
    }

    func testMismatchedOptimizerIsAClearError() throws {
        XCTAssertThrowsError(try ImportedOptimizers.read(dir.appendingPathComponent("adam_zip.pth"),
                                                         parameterNames: Array(names.prefix(4)), parameterShapes: shapes)) {
            XCTAssertTrue(describe($0).contains("5 parameters"), describe($0))
        }
        var swapped = shapes
        swapped["0.weight"] = [3, 4]
        XCTAssertThrowsError(try ImportedOptimizers.read(dir.appendingPathComponent("adam_zip.pth"),
                                                         parameterNames: names, parameterShapes: swapped)) {
            XCTAssertTrue(describe($0).contains("0.weight"), describe($0))
        }
        XCTAssertThrowsError(try ImportedOptimizers.read(dir.appendingPathComponent("module.pth"),
                                                         parameterNames: names, parameterShapes: shapes)) {
            XCTAssertTrue(describe($0).contains("not a torch.optim state dict"), describe($0))
        }
    }
}
