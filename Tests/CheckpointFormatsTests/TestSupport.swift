import CheckpointFormats
import Foundation
import XCTest

enum Paths {
    static let testDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testDir.appendingPathComponent("Fixtures")
    /// Tests/<target>/ -> package root -> ../shared/golden/tiny128.
    static let golden = testDir.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/golden/tiny128")

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

extension HostTensor {
    /// Elements widened to Double, for comparing with values Python wrote.
    var doubles: [Double] {
        bytes.withUnsafeBytes { raw -> [Double] in
            let n = dtype.byteSize == 0 ? 0 : raw.count / dtype.byteSize
            return (0 ..< n).map { i -> Double in
                let o = i * dtype.byteSize
                switch dtype {
                case .f64: return raw.loadUnaligned(fromByteOffset: o, as: Double.self)
                case .f32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))
                case .f16: return Double(halfToFloat(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                case .bf16: return Double(Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)) << 16))
                case .i64: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int64.self))
                case .i32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
                case .i16: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int16.self))
                case .i8: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int8.self))
                case .u8, .bool: return Double(raw[o])
                }
            }
        }
    }

    static func make<T>(_ dtype: StorageDType, _ shape: [Int], _ values: [T]) -> HostTensor {
        HostTensor(dtype: dtype, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
    }
}

/// IEEE half to float, written out so the tests do not depend on Float16 availability.
func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * Float(pow(2.0, -24.0))
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default: return sign * (1 + mantissa / 1024) * Float(pow(2.0, Double(exponent - 15)))
    }
}

/// Asserts `body` throws a CheckpointError whose description contains every fragment.
func assertCheckpointError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
    } catch let error as CheckpointError {
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "'\(error)' lacks '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("not a CheckpointError: \(error)", file: file, line: line)
    }
}
