import Foundation
import XCTest
@testable import Torch

/// The shim's malloc set-up (cpu_memory.cpp): large tensors come from the heap, not from mmap, freed
/// memory stays in the heap and is reused, values are unaffected, and the trim limit and `empty()` give
/// memory back.
final class CPUCacheTests: XCTestCase {
    private let mib = 1 << 20

    override func setUpWithError() throws {
        try XCTSkipUnless(CPUCache.isEnabled, "DEEPI2I_CPU_CACHE=0 in this environment")
    }

    override func tearDown() {
        try? CPUCache.setTrimLimit(bytes: Int.max)  // back to "never" (beyond mallopt's int: no trim)
    }

    func testLargeTensorsComeFromTheHeapAndTheirMemoryIsReused() throws {
        let elements = 64 * mib / 4
        let mappedBefore = CPUCache.statistics.mappedBytes  // blocks libraries mapped before the shim loaded
        // A training loop in small: the same large tensors, made and freed again and again. Unmapped and
        // mapped again, each round would fault in every page of both (2 x 16384 of 4 KiB); reused, the
        // pages are already there. glibc settles in a few rounds (libtorch's 64-byte-aligned blocks leave
        // fragments), so the faults of the last 6 rounds are counted.
        var faultsBefore = 0
        for round in 0..<10 {
            if round == 4 { faultsBefore = minorFaults() }
            let sevens = try Tensor.full([elements], 7)
            let doubled = try sevens * 2
            XCTAssertEqual(try doubled.sum().item(), Double(14 * elements), "round \(round)")
            XCTAssertEqual(CPUCache.statistics.mappedBytes, mappedBefore, "a 64 MiB block is not mmap'ed")
            withExtendedLifetime((sevens, doubled)) {}
        }
        let faults = minorFaults() - faultsBefore
        let pagesAllocated = 6 * 2 * 64 * mib / Int(sysconf(Int32(_SC_PAGESIZE)))
        XCTAssertLessThan(faults, pagesAllocated / 2, "most pages are reused: \(faults) faults for \(pagesAllocated) pages allocated")
        XCTAssertGreaterThanOrEqual(CPUCache.statistics.freeBytes, 128 * mib, "the freed blocks stay in the heap")
        let zeros = try Tensor.zeros([elements])
        XCTAssertEqual(try zeros.sum().item(), 0, "zeros() into reused memory is zeros, not the old values")
        XCTAssertEqual(try zeros.abs().max().item(), 0)
    }

    private func minorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_minflt
    }

    func testResultsMatchInFreshAndReusedMemory() throws {
        let a = try Tensor.randn([512, 512], generator: RandomGenerator(seed: 1))
        let b = try Tensor.randn([512, 512], generator: RandomGenerator(seed: 2))
        CPUCache.empty()
        let fresh = try a.matmul(b).toArray(of: Float.self)
        do { _ = try Tensor.full([512, 512], .nan) }  // garbage of the product's size, freed
        let reused = try a.matmul(b).toArray(of: Float.self)
        XCTAssertEqual(fresh, reused)
    }

    func testEmptyReturnsFreedMemoryToTheKernel() throws {
        do {
            let block = try Tensor.full([256 * mib / 4], 1)  // touched: 256 MiB resident
            XCTAssertEqual(try block.sum().item(), Double(256 * mib / 4))
        }
        let kept = try residentBytes()
        CPUCache.empty()
        let returned = try residentBytes()
        XCTAssertLessThan(returned, kept - 128 * mib, "empty() gave the freed 256 MiB back (resident \(kept) -> \(returned))")
    }

    func testTrimLimitIsSetAndChecked() throws {
        XCTAssertNil(CPUCache.statistics.trimLimit, "by default free memory is never trimmed")
        try CPUCache.setTrimLimit(bytes: 300 * mib)
        XCTAssertEqual(CPUCache.statistics.trimLimit, 300 * mib)
        XCTAssertThrowsError(try CPUCache.setTrimLimit(bytes: -1))
    }

    /// Resident set size of this process, from /proc/self/statm.
    private func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return try XCTUnwrap(Int(fields[1])) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
