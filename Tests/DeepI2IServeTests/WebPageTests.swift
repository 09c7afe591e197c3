import Foundation
import XCTest

/// Loads the page in headless Chromium with `?demo=1`: the page fetches the built-in sample image,
/// posts a translation and a morph, shows both, and writes the outcome into document.title, which
/// `--dump-dom` prints. Skipped only when no chromium binary is installed.
final class WebPageTests: XCTestCase {
    func testDemoRunsInHeadlessChromium() async throws {
        guard let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy
            .compactMap({ Self.onPath($0) }).first else {
            throw XCTSkip("chromium is not installed (apt-get install -y chromium); the page test needs a headless browser")
        }
        let server = try await ServerHarness.start()
        defer { server.stop() }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let dom = try await Self.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=30000", "--timeout=60000",
            "--dump-dom", server.url("/?demo=1").absoluteString,
        ])
        let title = dom.range(of: "<title>").flatMap { start in
            dom.range(of: "</title>", range: start.upperBound..<dom.endIndex).map { String(dom[start.upperBound..<$0.lowerBound]) }
        } ?? "(no title)"
        XCTAssertTrue(title.hasPrefix("deepi2i: demo ok"), "page title: \(title)")
        // 3 classes x 2 samples with the input column: 4 columns of 32 px and 2 px gaps.
        XCTAssertTrue(title.contains("grid 138x70"), title)
        XCTAssertTrue(title.contains("gif"), title)
        XCTAssertTrue(dom.contains("id=\"grid\" alt=\"translation grid\" src=\"data:image/png;base64,"), "grid image not shown")
    }

    static func onPath(_ tool: String) -> URL? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs a process off the cooperative pool (the in-process server needs it) and returns stdout.
    static func run(_ tool: URL, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = tool
                process.arguments = arguments
                let out = Pipe()
                process.standardOutput = out
                process.standardError = FileHandle.nullDevice
                do {
                    try process.run()
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
