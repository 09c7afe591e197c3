import DeepI2IServe
import Foundation
import ImageIO
import XCTest

final class ServerAPITests: XCTestCase {
    var server: ServerHarness!

    override func setUp() async throws {
        var options = ServeOptions()
        options.maxUploadBytes = 200_000
        options.maxPixels = 1_000_000
        server = try await ServerHarness.start(options: options)
    }

    override func tearDown() async throws { server.stop() }

    func testHealthClassesAndPage() async throws {
        let health = try await server.request("/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(try server.json(health.body)["status"] as? String, "ok")
        let classes = try await server.request("/api/classes")
        let list = try server.json(classes.body)["classes"] as? [[String: Any]]
        XCTAssertEqual(list?.compactMap { $0["name"] as? String }, TestModel.classNames)
        let page = try await server.request("/")
        XCTAssertTrue(page.type.hasPrefix("text/html"))
        XCTAssertTrue(String(decoding: page.body, as: UTF8.self).contains("/api/translate"))
    }

    func testTranslateReturnsGridAndTiles() async throws {
        let r = try await server.request("/api/translate?classes=bird,cat&samples=2&seed=4", method: "POST", body: TestModel.samplePNG)
        XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
        let body = try server.json(r.body)
        XCTAssertEqual(body["classes"] as? [String], ["bird", "cat"])
        let tiles = body["images"] as? [[String]]
        XCTAssertEqual(tiles?.count, 2)
        XCTAssertEqual(tiles?.first?.count, 2)
        let gridData = try XCTUnwrap(Data(base64Encoded: body["grid"] as? String ?? ""))
        let grid = try ImageDecoder.decode([UInt8](gridData))
        XCTAssertEqual(grid.width, 3 * 32 + 4 * 2)
        XCTAssertEqual(grid.height, 2 * 32 + 3 * 2)
    }

    /// Concurrent requests are serialised on the model and each gets its own, correct answer.
    func testConcurrentRequests() async throws {
        let png = try TestModel.samplePNG
        let server = self.server!
        let results = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for i in 0..<8 {
                group.addTask {
                    let seed = i % 2  // pairs of identical requests must give identical results
                    let r = try await server.request("/api/translate?classes=bear,dog&samples=1&seed=\(seed)", method: "POST", body: png)
                    let grid = try server.json(r.body)["grid"] as? String ?? ""
                    return (seed, r.status, grid)
                }
            }
            var all: [(Int, Int, String)] = []
            for try await r in group { all.append(r) }
            return all
        }
        XCTAssertEqual(results.count, 8)
        XCTAssertTrue(results.allSatisfy { $0.1 == 200 })
        let bySeed = Dictionary(grouping: results, by: \.0).mapValues { Set($0.map(\.2)) }
        XCTAssertEqual(bySeed[0]?.count, 1)
        XCTAssertEqual(bySeed[1]?.count, 1)
        XCTAssertNotEqual(bySeed[0], bySeed[1])
    }

    func testMorphReturnsGIFAndStrip() async throws {
        let gif = try await server.request("/api/morph?from=bear&to=cat&via=bird&steps=3", method: "POST", body: TestModel.samplePNG)
        XCTAssertEqual(gif.status, 200, String(decoding: gif.body, as: UTF8.self))
        XCTAssertEqual(gif.type, "image/gif")
        XCTAssertEqual(gifFrameCount([UInt8](gif.body)), 5)
        let strip = try await server.request("/api/morph?from=0&to=1&steps=4&format=png", method: "POST", body: TestModel.samplePNG)
        XCTAssertEqual(strip.status, 200)
        XCTAssertEqual(try ImageDecoder.decode([UInt8](strip.body)).width, 4 * 32 + 5 * 2)
    }

    func testBadUploadsAreClear4xx() async throws {
        func check(_ path: String, _ body: [UInt8]?, status: Int, code: String, mentions: String? = nil,
                   line: UInt = #line) async throws {
            let r = try await server.request(path, method: "POST", body: body)
            XCTAssertEqual(r.status, status, String(decoding: r.body, as: UTF8.self), line: line)
            let error = try server.json(r.body)["error"] as? [String: Any]
            XCTAssertEqual(error?["code"] as? String, code, line: line)
            if let mentions {
                XCTAssertTrue((error?["message"] as? String ?? "").contains(mentions), "\(String(describing: error))", line: line)
            }
        }
        let png = try TestModel.samplePNG
        try await check("/api/translate?classes=bear", Array("hello, not an image".utf8), status: 400, code: "not-an-image")
        try await check("/api/translate?classes=bear", [], status: 400, code: "empty-body")
        try await check("/api/translate?classes=beer", png, status: 400, code: "unknown-class", mentions: "did you mean 'bear'")
        try await check("/api/translate?classes=bear&samples=0", png, status: 400, code: "bad-parameter")
        try await check("/api/translate?classes=bear&samples=lots", png, status: 400, code: "bad-parameter")
        try await check("/api/translate?classes=bear&samples=99", png, status: 400, code: "bad-parameter")
        try await check("/api/translate?classes=bear", [UInt8](repeating: 7, count: 300_000), status: 413, code: "upload-too-large")
        // A small file that decodes to too many pixels (a 2000x1000 flat PNG compresses to a few KB).
        let big = try ImageEncoder.png(RGBImage(width: 2000, height: 1000, red: 1, green: 2, blue: 3))
        XCTAssertLessThan(big.count, 200_000)
        try await check("/api/translate?classes=bear", big, status: 413, code: "image-too-large")
        try await check("/api/morph?from=bear", png, status: 400, code: "missing-parameter")
        try await check("/api/morph?from=bear&to=cat&steps=1", png, status: 400, code: "bad-parameter")
        // The server still answers normally afterwards.
        let ok = try await server.request("/api/translate?classes=bear", method: "POST", body: png)
        XCTAssertEqual(ok.status, 200)
    }
}
