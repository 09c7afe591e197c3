import Foundation

/// Maps `body` over 0..<count on all cores (DispatchQueue.concurrentPerform), keeping order.
func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        // Each index writes only its own slot, so the writes never race.
        let base = buffer.baseAddress
        DispatchQueue.concurrentPerform(iterations: count) { index in
            base?.advanced(by: index).pointee = body(index)
        }
    }
    return results.compactMap { $0 }  // every slot was filled above
}
