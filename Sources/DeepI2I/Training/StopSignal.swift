import Foundation

/// Turns SIGINT (Ctrl-C) into a flag the training loop polls between iterations, so an interrupted run
/// writes a checkpoint and exits cleanly instead of dying mid-write. The default handler is ignored
/// while the source is installed; `uninstall` restores it.
public final class StopSignal: @unchecked Sendable {  // `requested` is guarded by `lock`
    private let lock = NSLock()
    private var requestedFlag = false
    private var source: DispatchSourceSignal?

    public init() {}

    public var requested: Bool { lock.withLock { requestedFlag } }

    public func request() { lock.withLock { requestedFlag = true } }

    /// Starts listening for SIGINT.
    public func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            guard let self else { return }
            if self.requested {
                // A second Ctrl-C means "now": leave without the checkpoint. Every write is to a temporary
                // name, fsynced and renamed (AtomicDirectory, writeAtomically), so dying here loses at most
                // the checkpoint in progress; `_exit` skips atexit and C++ static destructors, which must
                // not run while the training thread is still using libtorch.
                FileHandle.standardError.write(Data("\ninterrupted twice; exiting without a checkpoint\n".utf8))
                _exit(130)
            }
            FileHandle.standardError.write(Data("\ninterrupt: finishing this iteration and writing a checkpoint (Ctrl-C again to quit now)\n".utf8))
            self.request()
        }
        source.resume()
        self.source = source
    }

    /// Runs `body` with a freshly installed signal, uninstalling it afterwards.
    public static func listening<T>(_ body: (StopSignal) throws -> T) rethrows -> T {
        let stop = StopSignal()
        stop.install()
        defer { stop.uninstall() }
        return try body(stop)
    }

    public func uninstall() {
        source?.cancel()
        source = nil
        signal(SIGINT, SIG_DFL)
    }
}
