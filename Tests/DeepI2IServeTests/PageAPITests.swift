@testable import DeepI2IServe
import Foundation
import ImageIO
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The API beyond translate/morph that the page and curl users rely on: multipart/form-data uploads,
/// 405 (not an empty 404) for a GET of a POST-only route, the model's sample images, the model-view
/// preview (/api/prepare) and morph's JSON format.
final class PageAPITests: XCTestCase {
    var server: ServerHarness!
    var samples: URL!

    override func setUp() async throws {
        samples = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        try Data(TestModel.samplePNG).write(to: samples.appendingPathComponent("owl.png"))
        try Data(ImageEncoder.jpeg(SampleImage.make(side: 40))).write(to: samples.appendingPathComponent("cat.jpg"))
        try Data(TestModel.samplePNG).write(to: samples.appendingPathComponent(".hidden.png"))
        try Data("notes".utf8).write(to: samples.appendingPathComponent("notes.txt"))
        var options = ServeOptions()
        options.maxUploadBytes = 200_000
        options.samples = SampleLibrary(directory: samples)
        server = try await ServerHarness.start(options: options)
    }

    override func tearDown() async throws {
        server.stop()
        try? FileManager.default.removeItem(at: samples)
    }

    func post(_ path: String, _ body: [UInt8], contentType: String) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: server.url(path))
        request.httpMethod = "POST"
        request.timeoutInterval = 120
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func form(_ fields: [(name: String, filename: String?, body: [UInt8])], boundary: String) -> [UInt8] {
        var out: [UInt8] = Array("preamble to ignore\r\n".utf8)
        for field in fields {
            let filename = field.filename.map { "; filename=\"\($0)\"" } ?? ""
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\(filename)\r\n".utf8)
            if field.filename != nil { out += Array("Content-Type: image/png\r\n".utf8) }
            out += Array("\r\n".utf8) + field.body + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    /// A form upload gives exactly the raw upload's result; an 'image' field is found among others,
    /// and a lone file field under another name is accepted too.
    func testMultipartUploadMatchesRawBody() async throws {
        let png = try TestModel.samplePNG
        let path = "/api/translate?classes=bird,cat&samples=1&seed=3"
        let raw = try await server.request(path, method: "POST", body: png)
        XCTAssertEqual(raw.status, 200)
        let rawGrid = try server.json(raw.body)["grid"] as? String
        // The boundary occurs in the PNG-like payload's neighbourhood only as a full delimiter line.
        let boundary = "----deepi2iBoundary7MA4YWxk"
        for fields in [[(name: "note", filename: nil, body: Array("hello --\(boundary)x".utf8)), (name: "image", filename: "in.png", body: png)],
                       [(name: "upload", filename: "in.png", body: png), (name: "note", filename: nil, body: Array("x".utf8))]] {
            let r = try await post(path, Self.form(fields, boundary: boundary),
                                   contentType: "multipart/form-data; boundary=\"\(boundary)\"")
            XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
            XCTAssertEqual(try server.json(r.body)["grid"] as? String, rawGrid)
        }
    }

    /// The upload users type first: `curl -F image=@x.png` (skipped where curl is not installed).
    func testCurlFormUpload() async throws {
        guard let curl = WebPageTests.onPath("curl") else { throw XCTSkip("curl is not installed") }
        let file = samples.appendingPathComponent("owl.png").path
        let out = try await WebPageTests.run(curl, ["-s", "-w", "\n%{http_code}", "-F", "image=@\(file)",
                                                    server.url("/api/translate?classes=dog&samples=2").absoluteString])
        XCTAssertTrue(out.hasSuffix("\n200"), String(out.suffix(300)))
        let body = try server.json(Data(out.dropLast(4).utf8))
        XCTAssertEqual((body["images"] as? [[String]])?.map(\.count), [1, 1])
    }

    func testMalformedFormsAreClear400s() async throws {
        let png = try TestModel.samplePNG
        let boundary = "b0undary"
        var truncated = Self.form([(name: "image", filename: "a.png", body: png)], boundary: boundary)
        truncated.removeLast(20)
        for (body, code, mention) in [
            (truncated, "bad-multipart", "closing delimiter"),
            (Array("no delimiter here".utf8), "bad-multipart", "delimiter"),
            (Self.form([(name: "a", filename: nil, body: [1]), (name: "b", filename: nil, body: [2])], boundary: boundary),
             "missing-parameter", "'image'"),
            (Self.form([(name: "image", filename: "a.png", body: Array("text".utf8))], boundary: boundary), "not-an-image", nil),
            (Self.form([(name: "image", filename: "a.png", body: [])], boundary: boundary), "empty-body", nil),
        ] as [([UInt8], String, String?)] {
            let r = try await post("/api/translate?classes=bear", body, contentType: "multipart/form-data; boundary=\(boundary)")
            XCTAssertEqual(r.status, 400)
            let error = try server.json(r.body)["error"] as? [String: Any]
            XCTAssertEqual(error?["code"] as? String, code)
            if let mention { XCTAssertTrue((error?["message"] as? String ?? "").contains(mention), "\(String(describing: error))") }
        }
        let noBoundary = try await post("/api/translate?classes=bear", png, contentType: "multipart/form-data")
        XCTAssertEqual(noBoundary.status, 400)
        XCTAssertTrue(String(decoding: noBoundary.body, as: UTF8.self).contains("no boundary"))
    }

    func testPostOnlyRoutesAnswer405WithJSON() async throws {
        for path in ["/api/translate", "/api/morph", "/api/prepare", "/api/translate?classes=bear"] {
            for method in ["GET", "PUT", "DELETE"] {
                var request = URLRequest(url: server.url(path))
                request.httpMethod = method
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try XCTUnwrap(response as? HTTPURLResponse)
                XCTAssertEqual(http.statusCode, 405, "\(method) \(path)")
                XCTAssertEqual(http.value(forHTTPHeaderField: "Allow"), "POST")
                let error = try server.json(data)["error"] as? [String: Any]
                XCTAssertEqual(error?["code"] as? String, "method-not-allowed")
                XCTAssertTrue((error?["message"] as? String ?? "").contains("takes POST"), "\(String(describing: error))")
            }
        }
        // Unknown paths stay 404.
        let missing = try await server.request("/api/nothing")
        XCTAssertEqual(missing.status, 404)
    }

    /// Only the folder's PNG/JPEG files are listed and served; nothing else is reachable by name.
    func testSampleImagesAreListedAndServed() async throws {
        let list = try await server.request("/api/samples")
        let entries = try server.json(list.body)["samples"] as? [[String: String]]
        XCTAssertEqual(entries?.map { $0["name"] ?? "" }, ["cat.jpg", "owl.png"])
        let owl = try await server.request("/api/samples/owl.png")
        XCTAssertEqual(owl.status, 200)
        XCTAssertEqual(owl.type, "image/png")
        XCTAssertEqual([UInt8](owl.body), try TestModel.samplePNG)
        let cat = try await server.request("/api/samples/cat.jpg")
        XCTAssertEqual(cat.type, "image/jpeg")
        for name in ["notes.txt", ".hidden.png", "..%2F..%2Fetc%2Fpasswd", "missing.png"] {
            let r = try await server.request("/api/samples/\(name)")
            XCTAssertEqual(r.status, 404, name)
        }
    }

    /// The preview is the model's own input: centre-cropped and resized to the model resolution.
    func testPrepareReturnsTheModelView() async throws {
        let wide = try ImageEncoder.png(RGBImage(width: 80, height: 40, red: 200, green: 10, blue: 10))
        let r = try await server.request("/api/prepare", method: "POST", body: wide)
        XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
        let body = try server.json(r.body)
        XCTAssertEqual(body["width"] as? Int, 80)
        XCTAssertEqual(body["height"] as? Int, 40)
        XCTAssertEqual(body["resolution"] as? Int, 32)
        let image = try ImageDecoder.decode([UInt8](XCTUnwrap(Data(base64Encoded: body["image"] as? String ?? ""))))
        XCTAssertEqual([image.width, image.height], [32, 32])
        XCTAssertEqual(Array(image.toRGB().pixels.prefix(3)), [200, 10, 10])
        let bad = try await server.request("/api/prepare", method: "POST", body: Array("nope".utf8))
        XCTAssertEqual(bad.status, 400)
    }

    /// The page loads nothing from elsewhere (the server may run offline): no URLs, links or imports.
    func testPageIsSelfContained() async throws {
        let page = String(decoding: try await server.request("/").body, as: UTF8.self)
        XCTAssertTrue(page.contains("<script>") && page.contains("<style>"))
        for external in ["http://", "https://", "//cdn", "@import", "<link", "<script src", "url("] {
            XCTAssertFalse(page.contains(external), "the page references '\(external)'")
        }
    }

    /// format=json carries the animation and the strip of one computation.
    func testMorphJSONHasAnimationAndStrip() async throws {
        let r = try await server.request("/api/morph?from=bear&to=cat&steps=3&format=json", method: "POST", body: TestModel.samplePNG)
        XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
        let body = try server.json(r.body)
        XCTAssertEqual(body["frames"] as? Int, 3)
        XCTAssertEqual(body["classes"] as? [String], ["bear", "cat"])
        let gif = try XCTUnwrap(Data(base64Encoded: body["gif"] as? String ?? ""))
        XCTAssertEqual(gifFrameCount([UInt8](gif)), 3)
        let strip = try ImageDecoder.decode([UInt8](XCTUnwrap(Data(base64Encoded: body["strip"] as? String ?? ""))))
        XCTAssertEqual(strip.width, 3 * 32 + 4 * 2)
    }
}
