import Foundation

/// A one-line progress bar on standard error: done/total, rate, ETA and a free-form status (losses).
/// Redraws at most every 100 ms; prints plain lines instead when stderr is not a terminal.
public final class ProgressBar {
    let total: Int
    let label: String
    let unit: String
    let start = Date()
    var lastDraw = Date.distantPast
    let interactive = isatty(2) != 0
    var lastLoggedFraction = -1

    public init(total: Int, label: String, unit: String = "it") {
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
    }

    /// Updates the bar; `status` is appended (e.g. "loss_D 1.02 loss_G 0.31").
    public func update(_ done: Int, status: String = "") {
        let now = Date()
        let finished = done >= total
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let text = "\(label) \(done)/\(total) \(Self.format(rate)) \(unit)/s ETA \(Self.clock(eta)) \(status)"
        if interactive {
            guard finished || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 24
            let filled = min(width, width * done / total)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
        } else {
            // Logs and CI: a line every 10%.
            let fraction = 10 * done / total
            guard fraction != lastLoggedFraction || finished else { return }
            lastLoggedFraction = fraction
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Ends the line.
    public func finish(status: String = "") {
        update(total, status: status)
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
