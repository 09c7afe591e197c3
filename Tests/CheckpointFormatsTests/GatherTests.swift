@testable import CheckpointFormats
import XCTest

/// Strided-view gathering, including views that would read outside their storage.
final class GatherTests: XCTestCase {
    let storage: [UInt8] = Array(0 ..< 24) // 24 u8 elements
    func bad(_ why: String) -> CheckpointError { CheckpointError(file: "t", reason: why) }

    func gather(offset: Int, size: [Int], stride: [Int]) throws -> [UInt8] {
        try TensorCollector.gather(storage: storage, elements: 24, dtype: .u8, offset: offset, size: size, stride: stride, describe: bad)
    }

    func testLayouts() throws {
        XCTAssertEqual(try gather(offset: 0, size: [4, 6], stride: [6, 1]), storage)
        XCTAssertEqual(try gather(offset: 0, size: [2, 3], stride: [1, 2]), [0, 2, 4, 1, 3, 5]) // transpose
        XCTAssertEqual(try gather(offset: 7, size: [2, 2], stride: [6, 1]), [7, 8, 13, 14]) // offset slice
        XCTAssertEqual(try gather(offset: 1, size: [2, 3], stride: [0, 1]), [1, 2, 3, 1, 2, 3]) // expand
        XCTAssertEqual(try gather(offset: 5, size: [], stride: []), [5]) // scalar
        XCTAssertEqual(try gather(offset: 0, size: [0, 3], stride: [3, 1]), []) // empty
        XCTAssertEqual(try gather(offset: 0, size: [2, 1, 2], stride: [12, 99, 6]), [0, 6, 12, 18]) // size-1 dim ignores its stride
    }

    func testRejectsOutOfRangeViews() {
        for (offset, size, stride) in [(20, [5], [1]), (0, [5, 6], [6, 1]), (-1, [1], [1]), (0, [2], [-1]), (0, [2, 2], [1])] {
            XCTAssertThrowsError(try gather(offset: offset, size: size, stride: stride), "\(offset) \(size) \(stride)") {
                XCTAssertTrue($0 is CheckpointError)
            }
        }
        XCTAssertThrowsError(try gather(offset: 0, size: [Int.max, 2], stride: [Int.max, 1]))
    }

    func testByteSwap() {
        var bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        TensorCollector.swapBytes(&bytes, elementSize: 4)
        XCTAssertEqual(bytes, [4, 3, 2, 1, 8, 7, 6, 5])
    }

    func testDTypeNames() {
        for dtype in StorageDType.allCases {
            XCTAssertEqual(StorageDType(safetensorsName: dtype.safetensorsName), dtype)
            XCTAssertEqual(StorageDType(torchStorageName: dtype.torchStorageName), dtype)
        }
        XCTAssertEqual(StorageDType.bf16.safetensorsName, "BF16")
        XCTAssertEqual(StorageDType.f16.torchStorageName, "HalfStorage")
        XCTAssertNil(StorageDType(torchStorageName: "ComplexFloatStorage"))
    }
}
