import Foundation
import TensorBoard
import XCTest

/// CRC-32C and TFRecord framing against published check values.
final class CRC32CTests: XCTestCase {
    func testKnownValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)  // the standard check value
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)  // RFC 3720 B.4
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        let crc = CRC32C.checksum(Array("abc".utf8))
        XCTAssertEqual(CRC32C.masked(Array("abc".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    func testRecordFraming() {
        let payload = Data("event".utf8)
        let record = EventWriter.record(payload)
        XCTAssertEqual(record.count, 8 + 4 + payload.count + 4)
        XCTAssertEqual(Array(record.prefix(8)), [5, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(record.subdata(in: 12..<17), payload)
    }
}
