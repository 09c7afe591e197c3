import Dispatch
import Foundation
import ImageIO

/// Bounds simultaneous image decodes. Decoding is synchronous CPU work on attacker-chosen bytes, so
/// it runs on its own queue (never on Swift's cooperative pool, which HTTP handling needs), at most
/// `maxConcurrent` at once; a request arriving when every slot is taken is refused at once (503)
/// rather than queued, so a flood of uploads cannot pile up memory or latency.
public final class DecodeLimiter: @unchecked Sendable {  // `active` is guarded by `lock`
    public let maxConcurrent: Int
    private let queue = DispatchQueue(label: "deepi2i.decode", attributes: .concurrent)
    private let lock = NSLock()
    private var active = 0

    public init(maxConcurrent: Int) { self.maxConcurrent = max(1, maxConcurrent) }

    /// Thrown when every decode slot is in use.
    public struct Full: Error {}

    /// Decodes currently running.
    public var running: Int { lock.withLock { active } }

    public func decode(_ bytes: [UInt8], options: DecodeOptions) async throws -> DecodedImage {
        let admitted = lock.withLock { () -> Bool in
            guard active < maxConcurrent else { return false }
            active += 1
            return true
        }
        guard admitted else { throw Full() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let result = Result { try ImageDecoder.decode(bytes, file: "upload", options: options) }
                self.lock.withLock { self.active -= 1 }
                continuation.resume(with: result)
            }
        }
    }
}

/// Runs a request's work with a deadline: past `seconds` the client gets a 503 "timeout" answer and
/// the work's result, when it comes, is dropped (model calls and decodes cannot be interrupted midway,
/// but they are bounded by the inference queue and the decode limiter).
enum RequestDeadline {
    struct Expired: Error { let seconds: Double }

    static func run<T: Sendable>(seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        guard seconds > 0 else { return try await work() }
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                throw Expired(seconds: seconds)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Expired(seconds: seconds) }
            return first
        }
    }
}
