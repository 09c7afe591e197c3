import Foundation
import Support
import XCTest

/// The shared helpers of the Support target: one subprocess runner, the Python package lookup, JSON files.
final class SupportTests: XCTestCase {
    func testSubprocessCapturesStatusOutputErrorsAndInput() throws {
        let r = try Subprocess.run(["sh", "-c", "cat; echo out; echo err >&2; exit 3"], input: Data("in\n".utf8))
        XCTAssertEqual(r.status, 3)
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(r.outputText, "in\nout\n")
        XCTAssertEqual(r.errorText, "err")
        // A lot of standard error does not block standard output (both pipes are drained).
        let big = try Subprocess.run(["sh", "-c", "head -c 300000 /dev/zero >&2; echo done"])
        XCTAssertEqual(big.errors.count, 300_000)
        XCTAssertEqual(big.outputText, "done\n")
        XCTAssertEqual(try Subprocess.run(["/bin/echo", "absolute"]).outputText, "absolute\n")
        XCTAssertNotNil(Subprocess.find("sh"))
        XCTAssertNil(Subprocess.find("no-such-tool-\(UUID().uuidString.prefix(6))"))
        XCTAssertThrowsError(try Subprocess.run(["/nonexistent/tool"])) { error in
            XCTAssertTrue("\(error)".contains("cannot run /nonexistent/tool"), "\(error)")
        }
    }

    func testPythonSiteFindsAnInstalledPackage() throws {
        try XCTSkipUnless(Subprocess.find("python3") != nil, "python3 is not installed")
        let folders = PythonSite.packageFolders("json")
        XCTAssertTrue(folders.contains { FileManager.default.fileExists(atPath: $0.appendingPathComponent("__init__.py").path) },
                      "\(folders)")
        XCTAssertTrue(PythonSite.packageFolders("no_such_package_xyz").allSatisfy { !FileManager.default.fileExists(atPath: $0.path) })
    }

    func testJSONFileIsIndentedWithSortedKeys() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("support-\(UUID().uuidString.prefix(6)).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try JSONFile.write(["b": 1, "a": 2], to: url, atomically: true)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "{\n  \"a\" : 2,\n  \"b\" : 1\n}")
    }
}
