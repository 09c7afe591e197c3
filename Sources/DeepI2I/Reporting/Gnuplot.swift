import Foundation
import Support

/// Renders charts to PNG with gnuplot (Debian's gnuplot-nox), the well-kept tool for the job.
public enum Gnuplot {
    public struct Series: Sendable {
        public var title: String
        public var points: [(x: Double, y: Double)]
        public init(title: String, points: [(x: Double, y: Double)]) {
            self.title = title
            self.points = points
        }
    }

    public enum PlotError: Error, CustomStringConvertible {
        case missing
        case failed(String)
        public var description: String {
            switch self {
            case .missing: return "gnuplot is not installed (apt-get install gnuplot-nox); the chart was not drawn"
            case .failed(let m): return "gnuplot failed: \(m)"
            }
        }
    }

    /// The gnuplot executable, if installed.
    public static var executable: String? {
        ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Line chart of several series (e.g. loss curves), one panel.
    public static func lineChart(_ series: [Series], title: String, xLabel: String, yLabel: String,
                                 logY: Bool = false, to png: URL, size: (Int, Int) = (1000, 600)) throws {
        var script = header(title: title, xLabel: xLabel, yLabel: yLabel, size: size, png: png)
        if logY { script += "set logscale y\n" }
        script += "plot " + series.map { "'-' with lines lw 2 title \(quote($0.title))" }.joined(separator: ", ") + "\n"
        for s in series {
            script += s.points.map { "\($0.x) \($0.y)" }.joined(separator: "\n") + "\ne\n"
        }
        try run(script)
    }

    /// Bar chart of labelled values (e.g. per-class FID).
    public static func barChart(labels: [String], values: [Double], title: String, yLabel: String, to png: URL,
                                size: (Int, Int) = (1000, 600)) throws {
        var script = header(title: title, xLabel: "", yLabel: yLabel, size: size, png: png)
        script += "set style fill solid 0.8\nset boxwidth 0.7\nset xtics rotate by -45\nset yrange [0:*]\n"
        script += "plot '-' using 0:2:xtic(1) with boxes notitle\n"
        for (l, v) in zip(labels, values) { script += "\(quote(l)) \(v)\n" }
        script += "e\n"
        try run(script)
    }

    /// Distinct colours for up to 12 series (gnuplot's default cycle repeats after 8).
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf", "#000000", "#ffd700"]

    /// Scatter plot, one colour (and, past 12 series, marker) per series (e.g. t-SNE points by input class).
    public static func scatter(_ series: [Series], title: String, to png: URL, size: (Int, Int) = (1000, 800)) throws {
        var script = header(title: title, xLabel: "", yLabel: "", size: size, png: png)
        script += "plot " + series.enumerated().map { i, s in
            "'-' with points pt \([7, 5, 9, 11][(i / palette.count) % 4]) ps 0.8 lc rgb '\(palette[i % palette.count])' title \(quote(s.title))"
        }.joined(separator: ", ") + "\n"
        for s in series {
            script += s.points.map { "\($0.x) \($0.y)" }.joined(separator: "\n") + "\ne\n"
        }
        try run(script)
    }

    static func header(title: String, xLabel: String, yLabel: String, size: (Int, Int), png: URL) -> String {
        """
        set terminal pngcairo size \(size.0),\(size.1) enhanced font ',11'
        set output \(quote(png.path))
        set title \(quote(title))
        set xlabel \(quote(xLabel))
        set ylabel \(quote(yLabel))
        set grid
        set key outside right

        """
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func run(_ script: String) throws {
        guard let exe = executable else { throw PlotError.missing }
        let result = try Subprocess.run([exe], input: Data(script.utf8))
        guard result.succeeded else { throw PlotError.failed(result.errorText) }
    }
}
