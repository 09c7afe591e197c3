import Dispatch
import Foundation

/// Serialises model calls for concurrent requests. The model is not thread-safe and libtorch calls
/// block, so they run one at a time on a dedicated serial queue (not on Swift's cooperative pool,
/// which HTTP handling needs). Past `maxPending` waiting jobs, new ones are refused at once.
public final class InferenceQueue: @unchecked Sendable {
    private let translator: any ImageTranslator
    private let queue = DispatchQueue(label: "deepi2i.inference")
    private let lock = NSLock()
    private var pending = 0
    public let maxPending: Int

    public init(translator: any ImageTranslator, maxPending: Int = 16) {
        self.translator = translator
        self.maxPending = maxPending
    }

    public struct Busy: Error {}

    private func reserve() -> Bool {
        lock.withLock {
            guard pending < maxPending else { return false }
            pending += 1
            return true
        }
    }

    private func release() { lock.withLock { pending -= 1 } }

    /// Runs `body` with exclusive use of the translator.
    public func run<T>(_ body: @escaping (any ImageTranslator) throws -> T) async throws -> T {
        guard reserve() else { throw Busy() }
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.translator) })
            }
        }
    }
}
