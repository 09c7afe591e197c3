import Foundation

/// One line of `log.jsonl`: every loss of one iteration.
public struct LossRecord: Codable, Equatable, Sendable {
    public var iteration: Int
    public var phase: Int
    public var losses: [String: Double]
    /// Seconds since the run (or its resumption) started.
    public var time: Double
}

/// Append-only JSONL loss log. On resume it is cut back to the checkpoint's iteration, so the log of
/// a resumed run equals that of an uninterrupted one (apart from times).
public final class LossLog {
    public let url: URL
    private let handle: FileHandle
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    public init(url: URL, keepingThrough iteration: Int?) throws {
        self.url = url
        let fm = FileManager.default
        if let iteration, fm.fileExists(atPath: url.path) {
            let kept = try Self.read(url).filter { $0.iteration <= iteration }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            var data = Data()
            for r in kept { data += try e.encode(r); data += Data("\n".utf8) }
            try data.write(to: url, options: .atomic)
        } else {
            try Data().write(to: url)
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else {
            throw TrainingError.checkpoint("cannot open \(url.path) for writing")
        }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle.close() }

    public func append(_ record: LossRecord) throws {
        var data = try encoder.encode(record)
        data += Data("\n".utf8)
        handle.write(data)
    }

    public static func read(_ url: URL) throws -> [LossRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(LossRecord.self, from: Data($0)) }
    }
}
