@testable import DeepI2I
import Foundation
import XCTest

/// Crash-safe folder replacement (issue #14): the destination never goes missing, and what an
/// interrupted replace leaves behind is repaired by `recover`.
final class AtomicDirectoryTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// A pid no process has (above Linux's pid_max), so its leftovers count as a dead process's.
    let deadPID = 0x3FFF_FFF0

    func contents(_ dir: URL) -> String? { try? String(contentsOf: dir.appendingPathComponent("v.txt"), encoding: .utf8) }

    func testReplaceNeverLeavesTheDestinationMissing() throws {
        let dir = root.appendingPathComponent("model")
        try AtomicDirectory.write(dir) { try Data("0".utf8).write(to: $0.appendingPathComponent("v.txt")) }
        let probe = ReaderProbe()
        let path = dir.appendingPathComponent("v.txt").path
        let reader = Thread {
            // Every look at the folder finds a complete version.
            while !probe.done { probe.record(found: FileManager.default.contents(atPath: path) != nil) }
        }
        reader.start()
        for i in 1 ... 150 {
            try AtomicDirectory.write(dir) { try Data(String(i).utf8).write(to: $0.appendingPathComponent("v.txt")) }
        }
        probe.done = true
        while !reader.isFinished { usleep(1000) }
        XCTAssertEqual(contents(dir), "150")
        let (missing, reads) = probe.counts
        XCTAssertGreaterThan(reads, 0)
        XCTAssertEqual(missing, 0, "the folder was missing in \(missing) of \(reads) reads")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["model"], "no leftovers")
        XCTAssertNotNil(AtomicDirectory.renameat2, "Linux has renameat2: replacement is a single exchange")
    }

    func testRecoverRestoresAnInterruptedReplace() throws {
        let fm = FileManager.default
        let dir = root.appendingPathComponent("gan")
        // Interrupted between "old aside" and "new into place": the complete new folder wins.
        for (name, text) in [(".gan.new-\(deadPID)-aaaa", "new"), (".gan.old-\(deadPID)-bbbb", "old"), (".gan.tmp-\(deadPID)-cccc", "partial")] {
            try fm.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: root.appendingPathComponent(name).appendingPathComponent("v.txt"))
        }
        AtomicDirectory.recover(dir)
        XCTAssertEqual(contents(dir), "new")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: root.path), ["gan"])

        // Only the old folder survived: it comes back.
        try fm.removeItem(at: dir)
        try fm.createDirectory(at: root.appendingPathComponent(".gan.old-\(deadPID)-dddd"), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: root.appendingPathComponent(".gan.old-\(deadPID)-dddd/v.txt"))
        XCTAssertEqual(try GANDirectoryProbe.recoverThenRead(dir), "old")
    }

    func testRecoverLeavesALiveWritersFolderAlone() throws {
        let fm = FileManager.default
        let dir = root.appendingPathComponent("m")
        try AtomicDirectory.write(dir) { try Data("1".utf8).write(to: $0.appendingPathComponent("v.txt")) }
        let live = root.appendingPathComponent(".m.tmp-\(getpid())-eeee")
        let dead = root.appendingPathComponent(".m.tmp-\(deadPID)-ffff")
        try fm.createDirectory(at: live, withIntermediateDirectories: true)
        try fm.createDirectory(at: dead, withIntermediateDirectories: true)
        AtomicDirectory.recover(dir)
        XCTAssertTrue(fm.fileExists(atPath: live.path), "a running process's temporary folder is not ours to delete")
        XCTAssertFalse(fm.fileExists(atPath: dead.path))
        XCTAssertEqual(contents(dir), "1")
    }

    func testFailedFillLeavesTheOldFolder() throws {
        let dir = root.appendingPathComponent("c")
        try AtomicDirectory.write(dir) { try Data("good".utf8).write(to: $0.appendingPathComponent("v.txt")) }
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicDirectory.write(dir) { _ in throw Boom() })
        XCTAssertEqual(contents(dir), "good")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["c"])
    }

    func testWriteJSONIsAtomicAndLeavesNoTemporaryFile() throws {
        let url = root.appendingPathComponent("doc.json")
        try AtomicDirectory.writeJSON(["a": 1], to: url)
        try AtomicDirectory.writeJSON(["a": 2], to: url)
        XCTAssertEqual(try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: url)), ["a": 2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["doc.json"])
    }
}

/// Reads `v.txt` after the recovery every reader runs.
enum GANDirectoryProbe {
    static func recoverThenRead(_ dir: URL) throws -> String {
        AtomicDirectory.recover(dir)
        return try String(contentsOf: dir.appendingPathComponent("v.txt"), encoding: .utf8)
    }
}

/// What the reader thread saw, shared under a lock.
final class ReaderProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private var missing = 0
    private var reads = 0
    var done: Bool {
        get { lock.withLock { stop } }
        set { lock.withLock { stop = newValue } }
    }
    var counts: (missing: Int, reads: Int) { lock.withLock { (missing, reads) } }
    func record(found: Bool) { lock.withLock { reads += 1; if !found { missing += 1 } } }
}
