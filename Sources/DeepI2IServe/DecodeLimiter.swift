import Dispatch
import Foundation
import ImageIO

/// Bounds simultaneous image decodes. Decoding is synchronous CPU work on attacker-chosen bytes, so
/// it runs on its own queue (never on Swift's cooperative pool, which HTTP handling needs), at most
/// `maxConcurrent` at once. Up to `maxWaiting` more wait their turn (a short burst from one page, or a
/// few users at once, is normal traffic); beyond that a request is refused at once (503), so a flood of
/// uploads cannot pile up memory or latency.
public final class DecodeLimiter: @unchecked Sendable {  // `admitted` is guarded by `lock`
    public let maxConcurrent: Int
    public let maxWaiting: Int
    private let queue: OperationQueue
    private let lock = NSLock()
    private var admitted = 0
    private var active = 0

    public init(maxConcurrent: Int, maxWaiting: Int = 0) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxWaiting = max(0, maxWaiting)
        queue = OperationQueue()
        queue.name = "deepi2i.decode"
        queue.maxConcurrentOperationCount = self.maxConcurrent
    }

    /// Thrown when every decode slot and every waiting place is taken.
    public struct Full: Error {}

    /// Decodes currently running.
    public var running: Int { lock.withLock { active } }
    /// Decodes running or waiting.
    public var admittedCount: Int { lock.withLock { admitted } }

    public func decode(_ bytes: [UInt8], options: DecodeOptions) async throws -> DecodedImage {
        let ok = lock.withLock { () -> Bool in
            guard admitted < maxConcurrent + maxWaiting else { return false }
            admitted += 1
            return true
        }
        guard ok else { throw Full() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                self.lock.withLock { self.active += 1 }
                let result = Result { try ImageDecoder.decode(bytes, file: "upload", options: options) }
                self.lock.withLock { self.active -= 1; self.admitted -= 1 }
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
