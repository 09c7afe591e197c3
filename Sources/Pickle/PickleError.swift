/// A pickle could not be decoded: where (byte offset) and why.
public struct PickleError: Error, CustomStringConvertible, Sendable {
    /// Byte offset (in the buffer given to `Unpickler.load`) of the opcode that failed.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "pickle error at byte \(offset): \(reason)" }
}
