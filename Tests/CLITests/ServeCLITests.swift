import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `deepi2i serve` end to end: the page offers the model directory's samples/ images, and a GET of a
/// POST-only route gets the 405 JSON answer.
final class ServeCLITests: XCTestCase {
    func testServeOffersTheModelSamples() async throws {
        let dir = try CLI.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model.appendingPathComponent("samples"), withIntermediateDirectories: true)
        try CLI.writeImage(model.appendingPathComponent("samples/zebra.png"))
        try Data("not a sample".utf8).write(to: model.appendingPathComponent("samples/README.txt"))

        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--model", model.path, "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var printed = ""
        while !printed.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { return XCTFail("serve exited before it was listening: \(printed)") }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        let base = try XCTUnwrap(printed.range(of: "http://").map { String(printed[$0.lowerBound...]).split(separator: "\n")[0] },
                                 printed).trimmingCharacters(in: CharacterSet(charactersIn: "/"))

        let (list, _) = try await URLSession.shared.data(from: XCTUnwrap(URL(string: base + "/api/samples")))
        let samples = try JSONSerialization.jsonObject(with: list) as? [String: [[String: String]]]
        XCTAssertEqual(samples?["samples"]?.map { $0["name"] ?? "" }, ["zebra.png"])
        let (png, response) = try await URLSession.shared.data(from: XCTUnwrap(URL(string: base + "/api/samples/zebra.png")))
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200)
        XCTAssertEqual(png, try Data(contentsOf: model.appendingPathComponent("samples/zebra.png")))

        let (body, get) = try await URLSession.shared.data(from: XCTUnwrap(URL(string: base + "/api/translate")))
        XCTAssertEqual((get as? HTTPURLResponse)?.statusCode, 405)
        XCTAssertTrue(String(decoding: body, as: UTF8.self).contains("method-not-allowed"))
    }
}
