import Foundation

/// A one-line progress display on standard error: bar, done/total, rate, ETA and a status (e.g. the
/// latest losses). On a terminal it redraws in place (at most every 100 ms); otherwise (logs, CI) it
/// prints a line at every tenth of the work and at least every `lineInterval` seconds.
public final class ProgressBar {
    let total: Int
    let label: String
    let unit: String
    /// Work already done when this bar started (a resumed run), left out of the rate.
    let start: Int
    let lineInterval: TimeInterval
    let startTime = Date()
    let interactive = isatty(STDERR_FILENO) == 1
    var lastDraw = Date.distantPast
    var lastDecile = -1
    public var enabled = true

    public init(total: Int, label: String = "", unit: String = "it", start: Int = 0, lineInterval: TimeInterval = 15) {
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        self.start = start
        self.lineInterval = lineInterval
    }

    /// Updates the bar; `status` is appended (e.g. "(2 skipped)").
    public func update(_ done: Int, status: String = "", force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        let decile = 10 * min(done, total) / total
        if interactive {
            guard force || done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        } else {
            guard force || done >= total || decile != lastDecile || now.timeIntervalSince(lastDraw) >= lineInterval else { return }
        }
        lastDraw = now
        lastDecile = decile
        let elapsed = now.timeIntervalSince(startTime)
        let rate = elapsed > 0 ? Double(done - start) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let width = 24
        let filled = min(width, width * max(done, 0) / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let prefix = label.isEmpty ? "" : "\(label) "
        let line = "[\(bar)] \(prefix)\(done)/\(total) \(Self.format(rate)) \(unit)/s ETA \(Self.clock(eta)) \(status)"
        FileHandle.standardError.write(Data((interactive ? "\r" + line + "\u{1B}[K" : line + "\n").utf8))
    }

    /// Updates the bar with named values (losses) as the status.
    public func update(_ done: Int, _ values: [(String, Double)], force: Bool = false) {
        update(done, status: values.map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: " "), force: force)
    }

    /// Ends the line.
    public func finish() {
        guard enabled else { return }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(format: "%.0f", rate) : rate >= 1 ? String(format: "%.1f", rate) : String(format: "%.2f", rate)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
