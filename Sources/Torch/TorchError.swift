import CTorch

/// An error raised by libtorch (a C++ exception caught in the shim) or by a check in this module.
public struct TorchError: Error, CustomStringConvertible, Equatable {
    /// The operation that failed, e.g. "conv2d".
    public var operation: String
    /// libtorch's message or ours.
    public var message: String

    public init(_ operation: String, _ message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }

    /// The error the shim left for this thread.
    static func last(_ operation: String) -> TorchError {
        let message = ct_last_error().map { String(cString: $0) } ?? "failed without a message"
        return TorchError(operation, message)
    }
}

/// Checks a shim status code (0 ok, -1 error).
@inline(__always)
func check(_ status: Int32, _ operation: @autoclosure () -> String) throws {
    if status < 0 { throw TorchError.last(operation()) }
}
