import Foundation
import TestSupport
import XCTest

/// Paths shared by the tests: the repository root and `../shared/golden` beside it.
enum TestPaths {
    static let repository = Repository.root

    static var golden: URL { repository.deletingLastPathComponent().appendingPathComponent("shared/golden/tiny128") }

    /// The golden folder; skips when it is missing, except under CI (CI=true), where a missing golden
    /// folder is a broken checkout and the test fails.
    static func requireGolden() throws -> URL {
        let url = golden
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                throw MissingGolden(path: url.path)
            }
            throw XCTSkip("reference vectors not found at \(url.path)")
        }
        return url
    }
}

/// Thrown instead of a skip under CI=true.
struct MissingGolden: Error, CustomStringConvertible {
    let path: String
    var description: String { "CI=true but the reference vectors are missing at \(path)" }
}

extension TestPaths {

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
