import Foundation
import XCTest

/// `import-biggan` on the tiny128 official weights, as a user runs it with a semantic class map.
final class ImportCLITests: XCTestCase {
    func testSemanticClassMapPrintsAndRecordsEveryClass() throws {
        let golden = CLI.root.deletingLastPathComponent().appendingPathComponent("shared/golden/tiny128")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: golden.appendingPathComponent("G.pth").path),
                          "reference weights not found at \(golden.path)")
        if !FileManager.default.fileExists(atPath: "/usr/share/wordnet/data.noun"), ProcessInfo.processInfo.environment["CI"] == nil {
            throw XCTSkip("WordNet is not installed (apt-get install wordnet-base)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("model")
        let r = try CLI.run(["import-biggan", "--generator", golden.appendingPathComponent("G.pth").path,
                             "--discriminator", golden.appendingPathComponent("D.pth").path, "--out", out.path,
                             "--class-names", "horse,dog,blorptastic", "--class-map", "semantic", "--class-fallback", "12"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("class 'horse': WordNet n02374451 horse, 1 ImageNet class at or below; starts from row 339"), r.stdout)
        XCTAssertTrue(r.stdout.contains("class 'dog': WordNet n02084071 dog, 118 ImageNet classes at or below; starts from the mean of 118 rows"), r.stdout)
        XCTAssertTrue(r.stdout.contains("held in new row 1000"), r.stdout)
        XCTAssertTrue(r.stdout.contains("class 'blorptastic': no match ('blorptastic' is not a noun in WordNet; the fallback is used); starts from row 12"), r.stdout)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("class-map.json"))) as? [String: Any]
        let classes = try XCTUnwrap(record?["classes"] as? [[String: Any]])
        XCTAssertEqual(classes.map { $0["name"] as? String }, ["horse", "dog", "blorptastic"])
        XCTAssertEqual(classes.map { $0["embeddingRow"] as? Int }, [339, 1000, 12])
        XCTAssertEqual(classes[1]["covered"] as? Int, 118)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any]
        let model = try XCTUnwrap(config?["model"] as? [String: Any])
        XCTAssertEqual(model["classRows"] as? [Int], [339, 1000, 12])
        XCTAssertEqual(model["classCount"] as? Int, 1001)

        let bad = try CLI.run(["import-biggan", "--generator", golden.appendingPathComponent("G.pth").path,
                               "--discriminator", golden.appendingPathComponent("D.pth").path, "--out", dir.appendingPathComponent("m2").path,
                               "--class-names", "horse", "--class-map", "semantic", "--class-candidates", "median"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("class candidates 'median': expected mean or closest"), bad.stderr)
    }
}
