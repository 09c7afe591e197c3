import CTorch

/// How freed CPU tensor memory is kept for reuse. Unless `DEEPI2I_CPU_CACHE=0`, the shim sets glibc
/// malloc up when it loads: one arena for every thread, no mmap'ed blocks, and free memory at the heap's
/// top returned to the kernel only above `DEEPI2I_CPU_CACHE_MIB` (default: never). Otherwise large
/// blocks are unmapped on free and every training step has the kernel zero-fill its activations again.
public enum CPUCache {
    public struct Statistics: Equatable, Sendable {
        /// The heap's size, and the bytes held in separately mmap'ed blocks (none while this is on).
        public var heapBytes: Int, mappedBytes: Int
        /// Heap bytes in use, and free heap bytes kept for reuse.
        public var inUseBytes: Int, freeBytes: Int
        /// Free memory at the heap's top above this goes back to the kernel; nil: never.
        public var trimLimit: Int?
    }

    public static var isEnabled: Bool { ct_cpu_cache_enabled() != 0 }

    public static var statistics: Statistics {
        var raw = [Int64](repeating: 0, count: 5)
        _ = ct_cpu_cache_stats(&raw)
        return Statistics(heapBytes: Int(raw[0]), mappedBytes: Int(raw[1]), inUseBytes: Int(raw[2]),
                          freeBytes: Int(raw[3]), trimLimit: raw[4] < 0 ? nil : Int(raw[4]))
    }

    /// Returns the heap's free memory to the kernel (memory in use is untouched).
    public static func empty() { _ = ct_cpu_cache_empty() }

    /// Free memory at the heap's top above `bytes` goes back to the kernel from now on.
    public static func setTrimLimit(bytes: Int) throws {
        guard bytes >= 0 else { throw TorchError("CPUCache.setTrimLimit", "the limit must not be negative, got \(bytes)") }
        _ = ct_cpu_cache_set_limit(UInt64(bytes))
    }
}
