import CTorch
import Foundation

/// Data-parallel communication over libtorch's c10d: a TCP rendezvous store hosted by rank 0 and a
/// Gloo process group (NCCL where the libtorch has it), as PyTorch's `init_process_group` sets up from
/// torchrun's environment. Every operation has a timeout; a failure names this rank, the operation and,
/// when it can tell, the rank that stopped answering.
public final class ProcessGroup {
    public let rank: Int
    public let worldSize: Int
    /// Seconds any collective or store wait may take before it fails.
    public let timeout: Double
    let store: OpaquePointer
    let group: OpaquePointer
    /// After a failed collective the backend may still run its aborted work: the handles are then
    /// kept (the process is about to exit) rather than freed under it.
    private(set) var failed = false

    public enum Backend: Int32, Sendable { case gloo = 0, nccl = 1 }

    /// Joins the group: `environment` says who and where; `interface` picks Gloo's network interface
    /// (a name like "lo" or an address; nil: the one MASTER_ADDR is reached by on loopback, else the
    /// host's own address).
    public init(_ environment: DistributedEnvironment, timeout: Double, backend: Backend = .gloo,
                interface: String? = nil) throws {
        guard timeout > 0, timeout.isFinite else { throw DistributedError.badEnvironment("the timeout must be > 0 s") }
        rank = environment.rank
        worldSize = environment.worldSize
        self.timeout = timeout
        let host = environment.masterAddress, port = environment.masterPort
        try DistributedEnvironment.checkResolves(host)
        let ms = Int64(timeout * 1000)
        let hostsStore = environment.rank == 0 && !environment.agentHostsStore
        guard let store = ct_store_new(host, Int32(port), hostsStore, Int32(environment.worldSize), ms) else {
            throw DistributedError.unreachable(rank: environment.rank, address: "\(host):\(port)", seconds: timeout,
                                               detail: TorchError.last("TCPStore").message)
        }
        self.store = store
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.")
        let iface = interface ?? (loopback ? "127.0.0.1" : nil)
        guard let group = ct_process_group_new(store, Int32(rank), Int32(worldSize), backend.rawValue, iface, ms) else {
            let detail = TorchError.last("ProcessGroup").message
            ct_store_free(store)
            throw DistributedError.failed(rank: rank, operation: "joining the \(backend) process group of \(worldSize) ranks",
                                          absent: [], detail: detail)
        }
        self.group = group
    }

    deinit {
        guard !failed else { return }
        ct_process_group_free(group)
        ct_store_free(store)
    }

    public static var hasNCCL: Bool { ct_dist_has_nccl() == 1 }

    // MARK: Collectives

    /// Overwrites `tensors` on every rank with rank `root`'s (parameters and buffers at the start).
    public func broadcast(_ tensors: [Tensor], from root: Int = 0, operation: String = "broadcast") throws {
        try run(operation) { withHandles(tensors) { ct_dist_broadcast(group, $0, $1, Int32(root), ms) } }
    }

    /// Sums `tensors` over all ranks in place (divided by the world size when `average`), in flat buckets
    /// of at most `bucketBytes` (PyTorch DDP's 25 MiB by default).
    public func allReduce(_ tensors: [Tensor], average: Bool, bucketBytes: Int = 25 << 20, operation: String = "all-reduce") throws {
        guard !tensors.isEmpty else { return }
        try run(operation) { withHandles(tensors) { ct_dist_all_reduce(group, $0, $1, average, Int64(bucketBytes), ms) } }
    }

    /// The sum of `x` over all ranks, differentiable: the backward sums the gradient over all ranks.
    public func allReduceSumDifferentiable(_ x: Tensor, operation: String = "all-reduce") throws -> Tensor {
        var out: OpaquePointer?
        try run(operation) {
            out = ct_dist_all_reduce_autograd(group, x.handle, ms)
            return out == nil ? -1 : 0
        }
        return Tensor(handle: out!)
    }

    public func barrier(operation: String = "barrier") throws {
        try run(operation) { ct_dist_barrier(group, ms) }
    }

    // MARK: Store

    public func set(_ key: String, _ value: String) throws {
        let bytes = Array(value.utf8)
        let status = bytes.withUnsafeBytes { ct_store_set(store, key, $0.baseAddress, $0.count) }
        if status < 0 { throw storeFailure("writing '\(key)' to the store") }
    }

    /// Waits up to `seconds` (default: the group's timeout) for `key`.
    public func get(_ key: String, seconds: Double? = nil) throws -> String {
        var length = 0
        guard let value = ct_store_get(store, key, Int64((seconds ?? timeout) * 1000), &length) else {
            throw storeFailure("waiting for '\(key)' in the store")
        }
        defer { ct_free_string(value) }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: length), as: UTF8.self)
    }

    public func has(_ key: String) throws -> Bool {
        let r = ct_store_check(store, key)
        if r < 0 { throw storeFailure("looking up '\(key)' in the store") }
        return r == 1
    }

    // MARK: Failures

    var ms: Int64 { Int64(timeout * 1000) }

    private func storeFailure(_ operation: String) -> DistributedError {
        let detail = TorchError.last("store").message
        // The store lives in rank 0's process: when it is gone, so is rank 0.
        return .failed(rank: rank, operation: operation, absent: rank == 0 ? [] : [0], detail: detail)
    }

    func run(_ operation: String, _ body: () -> Int32) throws {
        if body() >= 0 { return }
        let detail = TorchError.last(operation).message
        failed = true
        throw DistributedError.failed(rank: rank, operation: operation, absent: rollCall(), detail: detail)
    }

    /// After a failed collective: every surviving rank checks in through the store; the ranks that do
    /// not within a few seconds are the ones that died or stall. Rank 0 hosts the store, so a store
    /// that cannot be reached means rank 0 is gone.
    private func rollCall() -> [Int] {
        let key = { (r: Int) in "deepi2i/roll-call/\(r)" }
        let mark = Array("1".utf8)
        let wrote = mark.withUnsafeBytes { ct_store_set(store, key(rank), $0.baseAddress, $0.count) }
        if wrote < 0 { return rank == 0 ? [] : [0] }
        let deadline = Date().addingTimeInterval(min(3, max(timeout / 4, 0.5)))
        var missing = Set((0..<worldSize).filter { $0 != rank })
        while !missing.isEmpty, Date() < deadline {
            for r in missing where ct_store_check(store, key(r)) == 1 { missing.remove(r) }
            if !missing.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        return missing.sorted()
    }
}

/// Where this process stands in a data-parallel run, from torchrun's environment: RANK, WORLD_SIZE,
/// LOCAL_RANK, MASTER_ADDR, MASTER_PORT (as `torch.distributed.init_process_group("env://")` reads them).
public struct DistributedEnvironment: Equatable, Sendable {
    public var rank: Int
    public var worldSize: Int
    public var localRank: Int
    public var masterAddress: String
    public var masterPort: Int
    /// torchrun's agent already serves the store at MASTER_ADDR:MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE):
    /// rank 0 connects to it instead of opening its own.
    public var agentHostsStore = false

    public init(rank: Int, worldSize: Int, localRank: Int? = nil, masterAddress: String = "127.0.0.1", masterPort: Int = 29500) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank ?? rank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
    }

    /// nil when the environment names no multi-process run (no WORLD_SIZE, or 1); an error naming the
    /// variable when one is malformed.
    public static func from(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> DistributedEnvironment? {
        guard let worldText = env["WORLD_SIZE"] else { return nil }
        func int(_ name: String, _ text: String?, _ range: ClosedRange<Int>) throws -> Int {
            guard let text else { throw DistributedError.badEnvironment("\(name) is not set (WORLD_SIZE is \(worldText))") }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw DistributedError.badEnvironment("\(name)=\(text) is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        }
        let world = try int("WORLD_SIZE", worldText, 1...65536)
        if world == 1 { return nil }
        let rank = try int("RANK", env["RANK"], 0...(world - 1))
        let local = try env["LOCAL_RANK"].map { try int("LOCAL_RANK", $0, 0...65535) } ?? rank
        guard let address = env["MASTER_ADDR"], !address.isEmpty else {
            throw DistributedError.badEnvironment("MASTER_ADDR is not set (WORLD_SIZE is \(world))")
        }
        let port = try int("MASTER_PORT", env["MASTER_PORT"], 1...65535)
        var environment = DistributedEnvironment(rank: rank, worldSize: world, localRank: local, masterAddress: address, masterPort: port)
        environment.agentHostsStore = env["TORCHELASTIC_USE_AGENT_STORE"]?.lowercased() == "true"
        return environment
    }

    /// The variables that put a process at `rank` (the launcher sets them for each copy it starts).
    public var variables: [String: String] {
        ["RANK": String(rank), "WORLD_SIZE": String(worldSize), "LOCAL_RANK": String(localRank),
         "LOCAL_WORLD_SIZE": String(worldSize), "MASTER_ADDR": masterAddress, "MASTER_PORT": String(masterPort)]
    }

    /// A host name that does not resolve fails at once, not after the rendezvous timeout.
    static func checkResolves(_ host: String) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        guard status == 0 else {
            throw DistributedError.badEnvironment("MASTER_ADDR '\(host)' does not resolve: \(String(cString: gai_strerror(status)))")
        }
    }
}

/// Failures of a data-parallel run, each naming the rank that reports it.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// RANK, WORLD_SIZE, MASTER_ADDR or MASTER_PORT is missing or malformed, or an option is.
    case badEnvironment(String)
    /// The rendezvous store at MASTER_ADDR:MASTER_PORT could not be reached (or, on rank 0, opened).
    case unreachable(rank: Int, address: String, seconds: Double, detail: String)
    /// A collective or store operation failed; `absent` are the ranks that did not answer afterwards.
    case failed(rank: Int, operation: String, absent: [Int], detail: String)
    /// The ranks disagree at start-up on data, model or options.
    case mismatch(rank: Int, String)

    public var description: String {
        switch self {
        case .badEnvironment(let m): return "distributed setup: \(m)"
        case .unreachable(let rank, let address, let seconds, let detail):
            return "rank \(rank): cannot reach the rendezvous store at \(address) within \(Self.format(seconds)) s "
                + "(check MASTER_ADDR and MASTER_PORT, and that rank 0 runs): \(detail)"
        case .failed(let rank, let operation, let absent, let detail):
            let who: String
            switch absent.count {
            case 0: who = "a peer rank failed"
            case 1: who = "rank \(absent[0]) stopped or stalls (no answer)"
            default: who = "ranks \(absent.map(String.init).joined(separator: ", ")) stopped or stall (no answer)"
            }
            return "rank \(rank): \(operation) failed: \(who): \(detail)"
        case .mismatch(let rank, let m): return "rank \(rank): \(m)"
        }
    }

    static func format(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(s) }
}

extension DistributedEnvironment {
    /// A port the kernel just handed out on 127.0.0.1, closed again so that rank 0's store can take it
    /// (a single-node launcher's MASTER_PORT, and tests').
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TorchError("freeLoopbackPort", "cannot open a socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw TorchError("freeLoopbackPort", "cannot bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
