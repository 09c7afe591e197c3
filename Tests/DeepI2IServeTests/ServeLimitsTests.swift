@testable import DeepI2IServe
import Foundation
import ImageIO
import XCTest

/// Limits that keep the server answering under hostile or heavy load (issue #14).
final class ServeLimitsTests: XCTestCase {
    func testDecodeLimiterRefusesWhenEverySlotIsBusy() async throws {
        let limiter = DecodeLimiter(maxConcurrent: 1)
        // A flat 3000x3000 PNG: a few KB, but decoding takes long enough to overlap the second call.
        let big = try ImageEncoder.png(RGBImage(width: 3000, height: 3000, red: 9, green: 8, blue: 7))
        let first = Task { try await limiter.decode(big, options: DecodeOptions()) }
        while limiter.running == 0 { await Task.yield() }
        do {
            _ = try await limiter.decode(big, options: DecodeOptions())
            // Only acceptable if the first decode had already finished.
            XCTAssertEqual(limiter.running, 0)
        } catch is DecodeLimiter.Full {
            // expected
        }
        let image = try await first.value
        XCTAssertEqual(image.width, 3000)
        XCTAssertEqual(limiter.running, 0)
        // A free slot admits again.
        _ = try await limiter.decode(try ImageEncoder.png(RGBImage(width: 4, height: 4, red: 1, green: 2, blue: 3)), options: DecodeOptions())
    }

    func testDecodeLimiterQueuesUpToMaxWaitingThenRefuses() async throws {
        let limiter = DecodeLimiter(maxConcurrent: 1, maxWaiting: 2)
        let big = try ImageEncoder.png(RGBImage(width: 3000, height: 3000, red: 9, green: 8, blue: 7))
        let tasks = (0..<3).map { _ in Task { try await limiter.decode(big, options: DecodeOptions()) } }
        let deadline = Date().addingTimeInterval(5)
        while limiter.admittedCount < 3 && Date() < deadline { await Task.yield() }
        // Never more than one decode runs at once, however many wait.
        XCTAssertLessThanOrEqual(limiter.running, 1)
        if limiter.admittedCount == 3 {
            do {
                _ = try await limiter.decode(big, options: DecodeOptions())
                XCTAssertLessThan(limiter.admittedCount, 3, "a fourth decode was admitted while three were held")
            } catch is DecodeLimiter.Full {
                // expected: one running and two waiting fill the limiter
            }
        }
        for task in tasks {
            let image = try await task.value
            XCTAssertEqual(image.width, 3000)
        }
        XCTAssertEqual(limiter.admittedCount, 0)
        XCTAssertEqual(limiter.running, 0)
    }

    func testRequestTimeoutAnswers503() async throws {
        var options = ServeOptions()
        options.requestTimeout = 0.001
        let server = try await ServerHarness.start(options: options)
        defer { server.stop() }
        let r = try await server.request("/api/translate?classes=bear", method: "POST", body: try TestModel.samplePNG)
        XCTAssertEqual(r.status, 503, String(decoding: r.body, as: UTF8.self))
        let error = try server.json(r.body)["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? String, "timeout")
    }

    func testInternalErrorsDoNotLeakPathsOrDetails() throws {
        struct Secret: Error, CustomStringConvertible { var description: String { "cannot open /home/alice/model/G.safetensors" } }
        let error = ServeLimits.internalAPIError(Secret())
        XCTAssertEqual(error.status.code, 500)
        XCTAssertEqual(error.code, "internal")
        XCTAssertFalse(error.message.contains("/home/alice"), error.message)
        XCTAssertFalse(error.message.contains("safetensors"), error.message)
        XCTAssertTrue(error.message.hasPrefix("the server could not complete the request (incident "), error.message)
    }
}
