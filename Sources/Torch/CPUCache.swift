import CTorch

/// The shim's caching CPU allocator: freed tensor blocks of 1 MiB or more are kept and reused instead of
/// being returned to the kernel, which would zero-fill their pages again on the next use. On by default;
/// `DEEPI2I_CPU_CACHE=0` turns it off and `DEEPI2I_CPU_CACHE_MIB` bounds the idle blocks (default half
/// the physical memory).
public enum CPUCache {
    public struct Statistics: Equatable, Sendable {
        /// Large allocations served from the cache / from malloc (cumulative).
        public var hits: Int, misses: Int
        /// Bytes held idle for reuse, bytes of large blocks in use, and the idle limit.
        public var idleBytes: Int, liveBytes: Int, idleLimit: Int
    }

    public static var isEnabled: Bool { ct_cpu_cache_enabled() != 0 }

    public static var statistics: Statistics {
        var raw = [Int64](repeating: 0, count: 5)
        _ = ct_cpu_cache_stats(&raw)
        return Statistics(hits: Int(raw[0]), misses: Int(raw[1]), idleBytes: Int(raw[2]),
                          liveBytes: Int(raw[3]), idleLimit: Int(raw[4]))
    }

    /// Frees every idle block (memory in use is untouched).
    public static func empty() { _ = ct_cpu_cache_empty() }

    /// Bounds the idle blocks, freeing those above the new limit.
    public static func setIdleLimit(bytes: Int) throws {
        guard bytes >= 0 else { throw TorchError("CPUCache.setIdleLimit", "the limit must not be negative, got \(bytes)") }
        _ = ct_cpu_cache_set_limit(UInt64(bytes))
    }
}
