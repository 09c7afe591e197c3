import XCTest

/// CPU memory reuse (the shim's malloc set-up) is on in the binary by default, reports its trim limit,
/// and the environment switches it off or bounds it.
final class CPUCacheCLITests: XCTestCase {
    func testInfoReportsTheAllocatorAndTheEnvironmentControlsIt() throws {
        let on = try CLI.run(["info", "--resolution", "32", "--channels", "16", "--classes", "4"],
                             environment: ["DEEPI2I_CPU_CACHE_MIB": "300"])
        XCTAssertEqual(on.status, 0, on.stderr)
        XCTAssertTrue(on.stdout.contains("CPU memory reuse: on (free heap memory kept up to 300 MiB"), on.stdout)

        let off = try CLI.run(["info", "--resolution", "32", "--channels", "16", "--classes", "4"],
                              environment: ["DEEPI2I_CPU_CACHE": "0"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertTrue(off.stdout.contains("CPU memory reuse: off"), off.stdout)
    }
}
