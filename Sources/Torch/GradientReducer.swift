import CTorch

/// Gradient averaging over a process group overlapped with backward, as PyTorch's DDP Reducer does it:
/// the parameters' gradients are packed into flat buckets (reverse parameter order, at most
/// `bucketBytes` each); an autograd hook on every parameter launches a bucket's asynchronous all-reduce
/// as soon as all its gradients exist, while backward goes on computing the earlier layers'; buckets go
/// out strictly in order on every rank. `prepare` starts an accumulation (after zero_grad), `finalize`
/// (before the optimizer step) launches what backward did not, waits, and leaves each parameter's
/// `grad` the average over the ranks. Between the two, `grad` holds this rank's own sum.
public final class GradientReducer {
    public let group: ProcessGroup
    public let parameters: [Tensor]
    /// What failures name ("the all-reduce of D's gradients").
    public let operation: String
    private let handle: OpaquePointer

    /// Counts since the reducer was made (the benchmark and the tests read them).
    public struct Statistics: Equatable, Sendable, CustomStringConvertible {
        public var buckets: Int
        /// Buckets launched by the hooks, during backward.
        public var launchedDuringBackward: Int
        /// Buckets launched by `finalize`: their gradients never all arrived (unused parameters) or the
        /// accumulation was restarted.
        public var launchedAtStep: Int
        /// Buckets launched during backward whose results were discarded because a parameter got a second
        /// gradient in the same accumulation (micro-batches without `withoutCommunication`).
        public var relaunched: Int
        public var description: String {
            "\(buckets) bucket(s); launched \(launchedDuringBackward) during backward, \(launchedAtStep) at the step"
                + (relaunched > 0 ? ", \(relaunched) re-sent after a repeated gradient" : "")
        }
    }

    public init(group: ProcessGroup, parameters: [Tensor], bucketBytes: Int = 25 << 20, operation: String) throws {
        guard bucketBytes > 0 else { throw TorchError("GradientReducer", "the bucket size must be > 0 bytes") }
        self.group = group
        self.parameters = parameters
        self.operation = operation
        let made = withHandles(parameters) { ct_reducer_new(group.group, $0, $1, Int64(bucketBytes), group.ms) }
        guard let made else { throw TorchError.last("GradientReducer") }
        handle = made
    }

    deinit {
        // After a failed collective the backend may still hold the buckets: leave them (the process exits).
        if !group.failed { ct_reducer_free(handle) }
    }

    /// A new accumulation begins (the optimizer's gradients were just zeroed): the hooks launch buckets
    /// from now on. Buckets still in flight from an accumulation that never stepped are waited for and dropped.
    public func prepare() throws {
        try group.run(operation) { ct_reducer_prepare(handle) }
    }

    /// Launches the buckets backward did not, waits for all within the group's timeout and writes the
    /// averages into the parameters' `grad` (a parameter no rank has a gradient for keeps none).
    public func finalize() throws {
        try group.run(operation) { ct_reducer_finalize(handle) }
    }

    public var statistics: Statistics {
        var s = [Int64](repeating: 0, count: 4)
        _ = s.withUnsafeMutableBufferPointer { ct_reducer_stats(handle, $0.baseAddress) }
        return Statistics(buckets: Int(s[0]), launchedDuringBackward: Int(s[1]), launchedAtStep: Int(s[2]), relaunched: Int(s[3]))
    }

    /// Runs `body` (the backward passes of all but the last micro-batch of an accumulation) with the hooks
    /// of every reducer idle: those gradients only add up locally, and the last backward sends the sums.
    public static func withoutCommunication<R>(_ body: () throws -> R) rethrows -> R {
        let previous = ct_reducer_set_communication(false)
        defer { _ = ct_reducer_set_communication(previous == 1) }
        return try body()
    }
}
