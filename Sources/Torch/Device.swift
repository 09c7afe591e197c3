import CTorch

/// Where a tensor lives. Models are device-agnostic: move them with `Module.to(_:)`.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    var code: (type: Int32, index: Int32) {
        switch self {
        case .cpu: return (0, 0)
        case .cuda(let i): return (1, Int32(i))
        }
    }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }

    /// Parses "cpu", "cuda", "cuda:1".
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "cpu" { self = .cpu; return }
        if lower == "cuda" { self = .cuda(0); return }
        if lower.hasPrefix("cuda:"), let i = Int(lower.dropFirst(5)), i >= 0 { self = .cuda(i); return }
        throw TorchError("device", "unknown device '\(text)' (expected cpu, cuda or cuda:N)")
    }

    /// The first CUDA device when one is available, else the CPU.
    public static var best: Device { Torch.cudaDeviceCount > 0 ? .cuda(0) : .cpu }
}
