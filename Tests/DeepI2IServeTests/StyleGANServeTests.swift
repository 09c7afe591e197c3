import DeepI2I
import DeepI2IServe
import Foundation
import ImageIO
import Torch
import XCTest

/// The server with a one-domain StyleGAN model (128 px, channels / 16, random): the classes endpoint
/// says so, translate gives samples by seed, morph goes between samples, class parameters are refused clearly.
final class StyleGANServeTests: XCTestCase {
    var server: ServerHarness!

    override func setUp() async throws {
        let model = try StyleGANModel(config: StyleGANConfig(step: 5, channelDivisor: 16), generator: RandomGenerator(seed: 4))
        server = try await ServerHarness.start(translator: try StyleGANTranslator(model: model, targetName: "dog"))
    }

    override func tearDown() async throws { server.stop() }

    func testClassesTranslateAndMorph() async throws {
        let info = try server.json(try await server.request("/api/classes").body)
        XCTAssertEqual((info["classes"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["dog"])
        XCTAssertEqual(info["family"] as? String, "stylegan")
        XCTAssertEqual(info["singleDomain"] as? Bool, true)
        XCTAssertEqual(info["resolution"] as? Int, 128)

        let png = try ImageEncoder.png(SampleImage.make(side: 96))
        let r = try await server.request("/api/translate?samples=3&seed=4&truncation=0.8", method: "POST", body: png)
        XCTAssertEqual(r.status, 200, String(decoding: r.body, as: UTF8.self))
        let body = try server.json(r.body)
        XCTAssertEqual(body["classes"] as? [String], ["dog"])
        let tiles = try XCTUnwrap(body["images"] as? [[String]])
        XCTAssertEqual(tiles.map(\.count), [1, 1, 1])
        let images = try tiles.map { try ImageDecoder.decode([UInt8](XCTUnwrap(Data(base64Encoded: $0[0])))).toRGB() }
        XCTAssertTrue(images.allSatisfy { $0.width == 128 && $0.height == 128 })
        XCTAssertNotEqual(images[0], images[1])
        // The same request again gives the same images; the one domain may be named.
        let again = try server.json(try await server.request("/api/translate?classes=dog&samples=3&seed=4&truncation=0.8",
                                                              method: "POST", body: png).body)
        XCTAssertEqual(again["images"] as? [[String]], tiles)

        let morph = try await server.request("/api/morph?from_sample=0&to_sample=2&steps=3&seed=4&truncation=0.8&format=json",
                                             method: "POST", body: png)
        XCTAssertEqual(morph.status, 200, String(decoding: morph.body, as: UTF8.self))
        let m = try server.json(morph.body)
        XCTAssertEqual(m["frames"] as? Int, 3)
        XCTAssertEqual(m["classes"] as? [String], ["sample 0", "sample 2"])

        let wrongClass = try await server.request("/api/translate?classes=cat", method: "POST", body: png)
        XCTAssertEqual(wrongClass.status, 400)
        let classMorph = try await server.request("/api/morph?from=dog&to=dog", method: "POST", body: png)
        XCTAssertEqual(classMorph.status, 400)
        XCTAssertTrue(String(decoding: classMorph.body, as: UTF8.self).contains("from_sample"))
    }
}
