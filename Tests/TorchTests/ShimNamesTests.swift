import Foundation
import TestSupport
import XCTest

/// The C shim's definitions (every .cpp of Sources/CTorch) name their parameters as its header does (scripts/check_shim_names.py), and
/// the check notices when one drifts.
final class ShimNamesTests: XCTestCase {
    static let repository = Repository.root

    static let header = repository.appendingPathComponent("Sources/CTorch/include/ctorch.h")
    static let sources = ((try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("Sources/CTorch").path)) ?? [])
        .filter { $0.hasSuffix(".cpp") }.sorted().map { repository.appendingPathComponent("Sources/CTorch/\($0)") }

    /// Runs the check from the repository root; returns its exit status and output.
    func check(_ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no /usr/bin/python3") }
        return try ChildProcess.runMerged(URL(fileURLWithPath: python), ["scripts/check_shim_names.py"] + arguments,
                                          directory: Self.repository)
    }

    func testDefinitionsUseTheHeadersParameterNames() throws {
        let (status, output) = try check()
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("parameter names agree"), output)
    }

    func testARenamedParameterIsReported() throws {
        let header = try String(contentsOf: Self.header, encoding: .utf8)
        let declaration = "ct_tensor ct_flatten(ct_tensor t, int64_t start, int64_t end);"
        XCTAssertTrue(header.contains(declaration))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ShimNamesTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let drifted = folder.appendingPathComponent("ctorch.h")
        try header.replacingOccurrences(of: declaration, with: "ct_tensor ct_flatten(ct_tensor t, int64_t first, int64_t end);")
            .write(to: drifted, atomically: true, encoding: .utf8)
        let (status, output) = try check([drifted.path] + Self.sources.map(\.path))
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("ct_flatten: header (t, first, end) != definition (t, start, end)"), output)
        XCTAssertTrue(output.contains("1 ct_* functions disagree"), output)
    }
}
