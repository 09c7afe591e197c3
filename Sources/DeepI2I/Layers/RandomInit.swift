import Foundation
import Torch

/// BigGAN's orthogonal initialisation of the SN layers, and a scope that skips it. A network built only
/// to be overwritten by a checkpoint wastes that work: one QR factorisation per layer, about a minute for
/// the 128px ch96 model on two cores, which dominated `translate` and `serve` start-up. Inside
/// `skipping`, layers get zero weights instead (on this thread), to be loaded.
enum RandomInit {
    private static let key = "deepi2i.RandomInit.skipped"

    static var isSkipped: Bool { Thread.current.threadDictionary[key] as? Bool ?? false }

    static func skipping<R>(_ skip: Bool = true, _ body: () throws -> R) rethrows -> R {
        let previous = isSkipped
        Thread.current.threadDictionary[key] = skip
        defer { Thread.current.threadDictionary[key] = previous }
        return try body()
    }

    /// An orthogonally initialised weight (zeros while skipped).
    static func orthogonal(_ shape: [Int], generator: RandomGenerator?) throws -> Tensor {
        if isSkipped { return try Tensor.zeros(shape) }
        return try Tensor.empty(shape).orthogonal_(generator: generator)
    }
}
