import Datasets
import Foundation
import Torch
import Support

/// The outcome of an evaluation run, as written to metrics.json.
public struct EvaluationReport: Codable, Sendable {
    public var featureExtractor: String?
    public var featureDimension: Int?
    public var classNames: [String]
    public var options: EvaluationOptions
    public var metrics: [MetricResult]
    /// Headline values by metric name, for scripts ("mFID": 41.2, ...).
    public var summary: [String: Double]
    public var model: String
    public var dataset: String
    public var classifier: String?
    public var seconds: Double
}

/// Runs registered metrics on a context and writes the report files.
public enum Evaluation {
    public static let defaultMetrics = ["mfid", "mkid", "rc", "fc"]

    public static func run(_ context: EvaluationContext, metrics names: [String], modelDescription: String) throws -> EvaluationReport {
        let start = Date()
        let definitions = try names.map(MetricRegistry.definition(named:))
        var results: [MetricResult] = []
        for definition in definitions {
            context.progress("computing \(definition.name): \(definition.summary)")
            let result = try definition.compute(context)
            context.progress("\(result.name) = \(format(result.value))")
            results.append(result)
        }
        return EvaluationReport(
            featureExtractor: context.extractor?.name, featureDimension: context.extractor?.dimension,
            classNames: context.classNames, options: context.options, metrics: results,
            summary: Dictionary(results.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }), model: modelDescription,
            dataset: context.dataset.url.path,
            classifier: context.classifier.map { "\($0.config.arch.rawValue) (\($0.config.dataset), test accuracy \($0.config.testAccuracy.map(format) ?? "?"))" },
            seconds: Date().timeIntervalSince(start))
    }

    /// Writes metrics.json, report.md and one per-class bar chart per metric (when gnuplot is
    /// installed; otherwise the report says so). Returns the files written. The folder is written
    /// atomically and replaces only an evaluation folder deepi2i wrote (or an empty one).
    @discardableResult
    public static func write(_ report: EvaluationReport, to dir: URL, log: (String) -> Void = { _ in }) throws -> [URL] {
        try OutputFolder.requireReplaceable(dir, as: .evaluation)
        var names: [String] = []
        try AtomicDirectory.write(dir) { tmp in
            names = try writeFiles(report, into: tmp, log: log).map(\.lastPathComponent)
        }
        return names.map { dir.appendingPathComponent($0) }
    }

    static func writeFiles(_ report: EvaluationReport, into dir: URL, log: (String) -> Void) throws -> [URL] {
        var written: [URL] = []
        let json = dir.appendingPathComponent("metrics.json")
        try JSONFile.write(report, to: json, atomically: true)
        written.append(json)

        var plots: [String: String] = [:]
        for metric in report.metrics {
            guard let values = metric.perClass else { continue }
            let png = dir.appendingPathComponent("per-class-\(metric.name.lowercased()).png")
            do {
                try Gnuplot.barChart(labels: report.classNames, values: values,
                                     title: "\(perClassName(metric.name)) per target class (\(report.featureExtractor.map(shortName) ?? "no features"))",
                                     yLabel: perClassName(metric.name), to: png)
                plots[metric.name] = png.lastPathComponent
                written.append(png)
            } catch {
                log("no plot for \(metric.name): \(error)")
            }
        }
        let md = dir.appendingPathComponent("report.md")
        try Data(markdown(report, plots: plots).utf8).write(to: md, options: .atomic)
        written.append(md)
        return written
    }

    static func markdown(_ report: EvaluationReport, plots: [String: String]) -> String {
        var s = "# DeepI2I evaluation\n\n"
        s += "- Model: `\(report.model)`\n- Data: `\(report.dataset)` (test split)\n"
        s += "- Feature extractor: \(report.featureExtractor.map { "\($0), \(report.featureDimension ?? 0)-d" } ?? "none (no FID/KID)")\n"
        if let c = report.classifier { s += "- RC classifier: \(c)\n" }
        s += "- Translations: \(report.options.perClass) per target class, seed \(report.options.seed); "
        s += "KID \(report.options.kidSubsets) subsets of up to \(report.options.kidSubsetSize); "
        s += "FC: \(report.options.fcArch.rawValue), \(report.options.fcIterations) steps\n"
        s += "- Time: \(String(format: "%.1f", report.seconds)) s\n\n"
        s += "FID/KID values are only comparable under the same feature extractor and sample sizes.\n\n"
        s += "| Metric | Value |\n|---|---|\n"
        for m in report.metrics { s += "| \(m.name) | \(format(m.value)) |\n" }
        let perClass = report.metrics.filter { $0.perClass != nil }
        if !perClass.isEmpty {
            s += "\n## Per target class\n\n| Class | " + perClass.map { perClassName($0.name) }.joined(separator: " | ") + " |\n"
            s += "|---|" + perClass.map { _ in "---|" }.joined() + "\n"
            for (i, name) in report.classNames.enumerated() {
                s += "| \(name) | " + perClass.map { m in m.perClass.map { i < $0.count ? format($0[i]) : "" } ?? "" }.joined(separator: " | ") + " |\n"
            }
        }
        if !plots.isEmpty {
            s += "\n"
            for (name, file) in plots.sorted(by: { $0.key < $1.key }) { s += "![\(name) per class](\(file))\n" }
        }
        return s
    }

    /// Per class, mFID is a plain FID (the "m" is the mean over classes). Only that "m" of a mean goes:
    /// "mask-IoU" stays as it is.
    static func perClassName(_ metric: String) -> String {
        metric.hasPrefix("m") && metric.dropFirst().first?.isUppercase == true ? String(metric.dropFirst()) : metric
    }

    static func shortName(_ extractor: String) -> String {
        String(extractor.prefix { $0 != "(" }).trimmingCharacters(in: .whitespaces)
    }

    static func format(_ v: Double) -> String { String(format: abs(v) < 0.01 && v != 0 ? "%.5f" : "%.4f", v) }
}
