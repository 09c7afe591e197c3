/// SplitMix64: a tiny seeded generator whose sequence is fixed by its definition, so shuffles and
/// splits are reproducible across runs, platforms and Swift versions (SystemRandomNumberGenerator
/// and `shuffle(using:)` make no such promise).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for sub-stream `stream` of `seed` (e.g. one per epoch), independent of how many
    /// numbers earlier streams consumed.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift with rejection; bound > 0).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// Fisher-Yates shuffle with this generator (a fixed algorithm, unlike the standard library's).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, below(i + 1))
        }
    }
}
