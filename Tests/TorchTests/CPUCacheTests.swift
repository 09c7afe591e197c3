import Foundation
import XCTest
@testable import Torch

/// The shim's caching CPU allocator: large blocks are reused, reused blocks carry no stale values
/// into operations that define them, and the idle limit and `empty()` give memory back.
final class CPUCacheTests: XCTestCase {
    private let elements = 1 << 20  // 4 MiB of float32: above the 1 MiB caching threshold

    override func setUpWithError() throws {
        try XCTSkipUnless(CPUCache.isEnabled, "DEEPI2I_CPU_CACHE=0 in this environment")
    }

    override func tearDown() {
        try? CPUCache.setIdleLimit(bytes: ProcessInfo.processInfo.physicalMemory.clamped / 2)
    }

    func testFreedLargeBlockIsReusedAndZerosStillZero() throws {
        CPUCache.empty()
        do {
            let ones = try Tensor.full([elements], 7)
            XCTAssertEqual(try ones.sum().item(), Double(7 * elements))
        }
        let afterFree = CPUCache.statistics
        XCTAssertGreaterThanOrEqual(afterFree.idleBytes, elements * 4, "the freed block is kept")
        let zeros = try Tensor.zeros([elements])
        let reused = CPUCache.statistics
        XCTAssertEqual(reused.hits, afterFree.hits + 1, "the same size is served from the cache")
        XCTAssertEqual(reused.idleBytes, afterFree.idleBytes - elements * 4)
        XCTAssertEqual(try zeros.sum().item(), 0, "a reused block is written by zeros(), not left at 7")
        XCTAssertEqual(try zeros.abs().max().item(), 0)
    }

    func testNearbySizeSharesASizeClass() throws {
        CPUCache.empty()
        do { _ = try Tensor.zeros([elements]) }
        let before = CPUCache.statistics
        // 4 MiB - 4 KiB rounds up to the same 4 MiB class (classes step by 1/8 of a power of two).
        let smaller = try Tensor.ones([elements - 1024])
        XCTAssertEqual(CPUCache.statistics.hits, before.hits + 1)
        XCTAssertEqual(try smaller.sum().item(), Double(elements - 1024))
    }

    func testResultsMatchWithAndWithoutCachedBlocks() throws {
        let a = try Tensor.randn([512, 512], generator: RandomGenerator(seed: 1))
        let b = try Tensor.randn([512, 512], generator: RandomGenerator(seed: 2))
        CPUCache.empty()
        let fresh = try a.matmul(b).toArray(of: Float.self)
        // Dirty the cache with garbage of the product's size, then compute again into reused blocks.
        do { _ = try Tensor.full([512, 512], .nan) }
        let reused = try a.matmul(b).toArray(of: Float.self)
        XCTAssertEqual(fresh, reused)
    }

    func testIdleLimitAndEmptyReleaseMemory() throws {
        do { _ = try Tensor.zeros([elements]) }
        XCTAssertGreaterThan(CPUCache.statistics.idleBytes, 0)
        CPUCache.empty()
        XCTAssertEqual(CPUCache.statistics.idleBytes, 0)

        try CPUCache.setIdleLimit(bytes: 0)
        XCTAssertEqual(CPUCache.statistics.idleLimit, 0)
        do { _ = try Tensor.zeros([elements]) }
        XCTAssertEqual(CPUCache.statistics.idleBytes, 0, "over the limit, a freed block goes back to malloc")
        XCTAssertThrowsError(try CPUCache.setIdleLimit(bytes: -1))
    }

    func testLiveBytesCountBlocksInUse() throws {
        let before = CPUCache.statistics.liveBytes
        let t = try Tensor.zeros([elements])
        XCTAssertGreaterThanOrEqual(CPUCache.statistics.liveBytes, before + elements * 4)
        withExtendedLifetime(t) {}
    }
}

private extension UInt64 {
    var clamped: Int { Int(clamping: self) }
}
