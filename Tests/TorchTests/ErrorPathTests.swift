import Foundation
import XCTest
@testable import Torch

final class ErrorPathTests: XCTestCase {
    func testMatmulShapeMismatch() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        assertTorchError(try a.matmul(b), contains: ["shapes", "2x3", "4x5"])
        // The process goes on and the next op works (the thread's error is cleared).
        XCTAssertEqual(try a.matmul(Tensor.ones([3, 5])).shape, [2, 5])
    }

    func testConv2dChannelMismatch() throws {
        let x = try Tensor.zeros([1, 2, 5, 5]), w = try Tensor.zeros([4, 3, 3, 3])
        assertTorchError(try Functional.conv2d(x, weight: w), contains: ["channels", "[4, 3, 3, 3]"])
    }

    func testViewIncompatibleShape() throws {
        let x = try Tensor.zeros([2, 3])
        assertTorchError(try x.view([7]), contains: ["shape", "[7]", "6"])
        assertTorchError(try x.t().view([6]), contains: ["view"])
    }

    func testCatOfDifferentRanks() throws {
        assertTorchError(try Tensor.cat([Tensor.zeros([2, 2]), Tensor.zeros([2, 2, 2])]), contains: ["dimensions"])
        assertTorchError(try Tensor.cat([Tensor.zeros([2, 2]), Tensor.zeros([3, 3])], dim: 0), contains: ["Sizes", "size"])
    }

    func testErrorCarriesTheOperationName() throws {
        do {
            _ = try Tensor.zeros([2]).bmm(Tensor.zeros([2]))
            XCTFail("bmm of 1-D tensors must throw")
        } catch let error as TorchError {
            XCTAssertEqual(error.operation, "bmm")
            XCTAssertTrue(error.description.hasPrefix("bmm: "))
            XCTAssertFalse(error.message.isEmpty)
        }
    }

    func testBadDtypes() throws {
        let weight = try Tensor.zeros([4, 2])
        assertTorchError(try Functional.embedding(Tensor([Float(0), 1]), weight: weight), contains: ["Long", "Int"])
        assertTorchError(try Functional.crossEntropy(Tensor.zeros([2, 3]), targets: Tensor([Float(0), 1])), contains: [])
        assertTorchError(try Tensor([Float(1), 2, 3], shape: [2, 2]), contains: ["3 values", "[2, 2]"])
        let raw: [UInt8] = [0, 0, 0]
        assertTorchError(try raw.withUnsafeBytes { try Tensor(bytes: $0, shape: [1], dtype: .f32) }, contains: ["3 bytes"])
    }

    func testOutOfRangeIndexAndItemOfManyElements() throws {
        assertTorchError(try Functional.embedding(Tensor([Int64(7)]), weight: Tensor.zeros([4, 2])), contains: ["index"])
        assertTorchError(try Tensor.zeros([3]).item(), contains: ["3 elements"])
        assertTorchError(try Tensor.zeros([3]).select(dim: 0, index: 5), contains: ["index"])
        XCTAssertThrowsError(try Torch.setThreadCount(0))
    }

    func testInPlaceOnLeafRequiringGradThrows() throws {
        let leaf = try Tensor([Float(1)]).requiresGrad(true)
        assertTorchError(try leaf += Tensor([Float(1)]), contains: ["leaf", "requires grad"])
        XCTAssertEqual(try leaf.toArray(of: Float.self), [1])
    }

    func testErrorsOnOtherThreadsAreIndependent() throws {
        let queue = DispatchQueue(label: "torch-error-test")
        var otherMessage: String?
        queue.sync {
            do { _ = try Tensor.zeros([2, 3]).view([5]) } catch let e as TorchError { otherMessage = e.message } catch {}
        }
        XCTAssertNotNil(otherMessage)
        XCTAssertEqual(try Tensor.zeros([2, 3]).view([3, 2]).shape, [3, 2])
    }

    // MARK: Memory

    private func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = statm.split(separator: " ")
        return Int(fields[1])! * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func testDroppedTensorsAreFreedDeterministically() throws {
        _ = try Tensor.ones([262_144]) // warm up the allocator
        let before = try residentBytes()
        var peak = before
        for i in 0..<10_000 {
            let t = try Tensor.ones([262_144]) // 1 MB of f32, touched by the fill
            if i % 1000 == 0 {
                XCTAssertEqual(t.elementCount, 262_144)
                peak = Swift.max(peak, try residentBytes())
            }
        }
        let after = try residentBytes()
        peak = Swift.max(peak, after)
        XCTAssertLessThan(peak - before, 200 << 20, "RSS grew by \((peak - before) >> 20) MB over 10,000 tensors")
    }

    func testThreadCountDefaultsToCoresOrEnvironment() throws {
        let env = ProcessInfo.processInfo.environment
        let expected = env["DEEPI2I_THREADS"].flatMap(Int.init) ?? env["OMP_NUM_THREADS"].flatMap(Int.init)
            ?? ProcessInfo.processInfo.activeProcessorCount
        XCTAssertEqual(Torch.threadCount, Swift.max(1, expected))
        try Torch.setThreadCount(1)
        XCTAssertEqual(Torch.threadCount, 1)
        try Torch.setThreadCount(Swift.max(1, expected))
        XCTAssertEqual(Torch.threadCount, Swift.max(1, expected))
        XCTAssertFalse(Torch.version.isEmpty)
    }
}
