import ArgumentParser
import DeepI2I
import Foundation
import Torch

/// Data-parallel options of the training commands, and how a process finds its place in a run: from
/// torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), or as one of the
/// copies that `--nproc-per-node N` starts. Without that environment a command trains in one process.
struct DistributedOptions: ParsableArguments {
    @Option(help: "Data parallel on this machine: start N processes of this command (torchrun's environment for each). Under torchrun, leave it out.")
    var nprocPerNode: Int?
    @Option(name: .customLong("dist-timeout"), help: "Seconds a rank waits for the others (start-up, each collective, each checkpoint) before it stops with an error naming the rank that does not answer.")
    var distTimeout: Double = 300
    @Flag(name: .customLong("cross-replica-bn"), help: "Data parallel: G's batch norms use the statistics of the whole batch over all ranks (BigGAN's cross_replica), so N processes x batch B train as 1 process x batch N*B.")
    var crossReplicaBN = false
    @Flag(name: .customLong("no-overlap-allreduce"), help: "Data parallel: all-reduce the gradients after backward, before each optimizer step, instead of bucket by bucket during backward (for comparison).")
    var noOverlapAllReduce = false
    @Option(name: .customLong("bucket-mib"), help: "Data parallel: size of a gradient all-reduce bucket in MiB (PyTorch DDP's 25 by default).")
    var bucketMiB: Double = 25

    func validate() throws {
        if let n = nprocPerNode, n < 1 || n > 1024 { throw ValidationError("--nproc-per-node must be in 1...1024") }
        guard distTimeout > 0, distTimeout.isFinite else { throw ValidationError("--dist-timeout must be a number of seconds > 0") }
        guard bucketMiB > 0, bucketMiB <= 65536 else { throw ValidationError("--bucket-mib must be a size in MiB > 0") }
    }

    /// True when this invocation should launch copies of itself rather than train.
    var launches: Bool {
        guard let n = nprocPerNode, n > 1 else { return false }
        return ProcessInfo.processInfo.environment["WORLD_SIZE"] == nil
    }

    /// This process's group when it is one rank of several (nil: one process). CUDA ranks each take
    /// the GPU of their local rank and NCCL.
    func join(device: inout Device) throws -> DataParallel? {
        guard let env = try DistributedEnvironment.from() else { return nil }
        var backend = ProcessGroup.Backend.gloo
        if case .cuda = device {
            device = .cuda(env.localRank)
            if ProcessGroup.hasNCCL { backend = .nccl }
        }
        let group = try ProcessGroup(env, timeout: distTimeout, backend: backend,
                                     interface: ProcessInfo.processInfo.environment["GLOO_SOCKET_IFNAME"])
        let parallel = DataParallel(group: group, crossReplicaBatchNorm: crossReplicaBN)
        parallel.overlapsBackward = !noOverlapAllReduce
        parallel.bucketBytes = max(1, Int(bucketMiB * 1048576))
        return parallel
    }
}

/// `--nproc-per-node N`: a single-node torchrun. Starts N copies of this command line (without the
/// option) with RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR=127.0.0.1/MASTER_PORT (a free port unless
/// MASTER_PORT is set) and OMP_NUM_THREADS=1 unless set, as torchrun does; when one copy fails the
/// others are killed, and the launcher exits with the first failure's status. SIGTERM to the launcher is
/// passed on to every copy, which checkpoints and stops as on Ctrl-C.
enum Launcher {
    static func run(processes n: Int) throws -> Int32 {
        let env = ProcessInfo.processInfo.environment
        let port = try env["MASTER_PORT"].flatMap(Int.init) ?? freePort()
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let arguments = strippingLauncherOption(Array(CommandLine.arguments.dropFirst()))
        // Ctrl-C reaches every copy (same process group): they checkpoint and stop; the launcher waits.
        signal(SIGINT, { _ in })
        var children: [pid_t] = []
        // SIGTERM (a scheduler, `kill`) reaches only the launcher: pass it on so that the copies stop together.
        signal(SIGTERM, SIG_IGN)
        let forward = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        let spawned = LockedPIDs()
        forward.setEventHandler { spawned.all.forEach { kill($0, SIGTERM) } }
        forward.resume()
        defer { forward.cancel() }
        for rank in 0..<n {
            var childEnv = env
            for (k, v) in DistributedEnvironment(rank: rank, worldSize: n, masterAddress: "127.0.0.1", masterPort: port).variables {
                childEnv[k] = v
            }
            if childEnv["OMP_NUM_THREADS"] == nil { childEnv["OMP_NUM_THREADS"] = "1" }
            children.append(try spawn(executable, arguments, childEnv))
            spawned.add(children[rank])
        }
        var status: Int32 = 0
        var running = Set(children)
        while !running.isEmpty {
            var raw: Int32 = 0
            let pid = waitpid(-1, &raw, 0)
            if pid < 0 { if errno == EINTR { continue } else { break } }
            guard running.remove(pid) != nil else { continue }
            let code: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            if code != 0, status == 0 {
                status = code
                let rank = children.firstIndex(of: pid) ?? -1
                printError("launcher: rank \(rank) exited with status \(code); stopping the other ranks")
                // SIGKILL: a rank on SIGTERM would finish its iteration in collectives that can no longer
                // complete and wait out --dist-timeout; its last checkpoint is what a resume needs.
                for other in running { kill(other, SIGKILL) }
            }
        }
        return status
    }

    /// The started copies, read by the SIGTERM handler on another thread.
    final class LockedPIDs: @unchecked Sendable {  // `pids` is guarded by `lock`
        private let lock = NSLock()
        private var pids: [pid_t] = []
        func add(_ pid: pid_t) { lock.withLock { pids.append(pid) } }
        var all: [pid_t] { lock.withLock { pids } }
    }

    static func strippingLauncherOption(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            if args[i] == "--nproc-per-node" { i += 2; continue }
            if args[i].hasPrefix("--nproc-per-node=") { i += 1; continue }
            out.append(args[i])
            i += 1
        }
        return out
    }

    static func spawn(_ path: String, _ args: [String], _ env: [String: String]) throws -> pid_t {
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The launcher ignores SIGTERM (it forwards it); a copy starts with the default, as a direct start would.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, nil, &attributes, argv, envp)
        guard rc == 0 else { throw CommandFailure("launcher: cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// A free loopback port for rank 0's store.
    static func freePort() throws -> Int {
        do { return try DistributedEnvironment.freeLoopbackPort() } catch {
            throw CommandFailure("launcher: cannot find a free port on 127.0.0.1 (set MASTER_PORT)")
        }
    }
}
