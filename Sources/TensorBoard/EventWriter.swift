import Foundation
import SwiftProtobuf

/// Writes a TensorBoard event file (`events.out.tfevents.<time>.<host>`): TFRecord framing (length,
/// masked CRC-32C of the length, the serialized `Event`, masked CRC-32C of the data), starting with the
/// `brain.Event:2` version record, so `tensorboard --logdir` shows scalars and images of a live run.
/// Each record is flushed as it is written.
public final class EventWriter {
    public let url: URL
    private let handle: FileHandle

    /// Opens a new event file in `directory` (several files in one folder are read as one run).
    public init(directory: URL, now: Date = Date()) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        var name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host)"
        var n = 1
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host).\(n)"
            n += 1
        }
        url = directory.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let h = FileHandle(forWritingAtPath: url.path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = h
        var event = Tensorboard_Event()
        event.wallTime = now.timeIntervalSince1970
        event.fileVersion = "brain.Event:2"
        try write(event)
    }

    deinit { try? handle.close() }

    public func write(_ event: Tensorboard_Event) throws {
        try handle.write(contentsOf: Self.record(try event.serializedData()))
    }

    /// Scalars of one step, one Summary.Value each.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, wallTime: Date = Date()) throws {
        var summary = Tensorboard_Summary()
        summary.value = values.map { tag, value in
            var v = Tensorboard_Summary.Value()
            v.tag = tag
            v.simpleValue = Float(value)
            return v
        }
        try write(summary, step: step, wallTime: wallTime)
    }

    /// A PNG image (RGB) of `width` x `height`.
    public func image(_ tag: String, png: Data, width: Int, height: Int, step: Int, wallTime: Date = Date()) throws {
        var image = Tensorboard_Summary.Image()
        image.width = Int32(width)
        image.height = Int32(height)
        image.colorspace = 3
        image.encodedImageString = png
        var v = Tensorboard_Summary.Value()
        v.tag = tag
        v.image = image
        var summary = Tensorboard_Summary()
        summary.value = [v]
        try write(summary, step: step, wallTime: wallTime)
    }

    private func write(_ summary: Tensorboard_Summary, step: Int, wallTime: Date) throws {
        var event = Tensorboard_Event()
        event.wallTime = wallTime.timeIntervalSince1970
        event.step = Int64(step)
        event.summary = summary
        try write(event)
    }

    /// One TFRecord: little-endian UInt64 length, its masked CRC, the data, the data's masked CRC.
    public static func record(_ data: Data) -> Data {
        var out = Data()
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        out += lengthBytes
        out += littleEndian(CRC32C.masked(lengthBytes))
        out += data
        out += littleEndian(CRC32C.masked(data))
        return out
    }

    private static func littleEndian(_ v: UInt32) -> Data {
        var le = v.littleEndian
        return withUnsafeBytes(of: &le) { Data($0) }
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), and TFRecord's masked form.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's mask: rotate right by 15 and add a constant, so CRCs of CRCs are not trivially zero.
    public static func masked<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
