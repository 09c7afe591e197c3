import Foundation

/// A one-line progress display on standard error: bar, iterations, it/s, ETA and the latest losses.
/// On a terminal it redraws in place; otherwise (logs, CI) it prints a line every `lineInterval` seconds.
public final class ProgressBar {
    let total: Int
    let start: Int
    let startTime = Date()
    let isTerminal = isatty(STDERR_FILENO) == 1
    let lineInterval: TimeInterval
    var lastDraw = Date.distantPast
    public var enabled = true

    public init(total: Int, start: Int = 0, lineInterval: TimeInterval = 15) {
        self.total = total
        self.start = start
        self.lineInterval = lineInterval
    }

    public func update(_ done: Int, _ values: [(String, Double)], force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        let minGap = isTerminal ? 0.2 : lineInterval
        guard force || now.timeIntervalSince(lastDraw) >= minGap else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(startTime)
        let rate = elapsed > 0 ? Double(done - start) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        let width = 24
        let filled = total > 0 ? min(width, width * done / total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let losses = values.map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: " ")
        let line = "[\(bar)] \(done)/\(total) \(String(format: "%.2f", rate)) it/s ETA \(Self.duration(eta)) \(losses)"
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    public func finish() {
        if enabled && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}
