import Foundation

/// Turns SIGINT (Ctrl-C) and SIGTERM (a batch scheduler's notice before it ends a job, `kill`) into a
/// flag the training loop polls between iterations, so a stopped run writes a checkpoint and exits
/// cleanly instead of dying mid-write. The default handlers are ignored while the sources are installed;
/// `uninstall` restores them.
public final class StopSignal: @unchecked Sendable {  // `requested` is guarded by `lock`
    /// The signals that ask a run to stop.
    public static let signals: [Int32] = [SIGINT, SIGTERM]

    private let lock = NSLock()
    private var requestedFlag = false
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    public var requested: Bool { lock.withLock { requestedFlag } }

    public func request() { lock.withLock { requestedFlag = true } }

    /// Starts listening for SIGINT and SIGTERM.
    public func install() {
        for signo in Self.signals {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { [weak self] in self?.received(signo) }
            source.resume()
            sources.append(source)
        }
    }

    private func received(_ signo: Int32) {
        if requested {
            // A second signal means "now": leave without the checkpoint. Every write is to a temporary
            // name, fsynced and renamed (AtomicDirectory, writeAtomically), so dying here loses at most
            // the checkpoint in progress; `_exit` skips atexit and C++ static destructors, which must
            // not run while the training thread is still using libtorch.
            FileHandle.standardError.write(Data("\ninterrupted twice; exiting without a checkpoint\n".utf8))
            _exit(128 + signo)
        }
        let what = signo == SIGINT ? "interrupt" : "SIGTERM"
        let again = signo == SIGINT ? "Ctrl-C again" : "SIGTERM again"
        FileHandle.standardError.write(Data("\n\(what): finishing this iteration and writing a checkpoint (\(again) to quit now)\n".utf8))
        request()
    }

    /// Runs `body` with a freshly installed signal, uninstalling it afterwards.
    public static func listening<T>(_ body: (StopSignal) throws -> T) rethrows -> T {
        let stop = StopSignal()
        stop.install()
        defer { stop.uninstall() }
        return try body(stop)
    }

    public func uninstall() {
        sources.forEach { $0.cancel() }
        sources = []
        for signo in Self.signals { signal(signo, SIG_DFL) }
    }
}
