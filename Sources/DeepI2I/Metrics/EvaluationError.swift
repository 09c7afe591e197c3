import Foundation

/// Failures of feature extraction, metric computation and classifier handling, with the context a
/// user needs to act on them.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    /// Feature arrays of the wrong rank, too few rows or mismatched widths.
    case badFeatures(String)
    /// A weights file is not available; `hint` says what to get and where to put it.
    case weightsMissing(what: String, hint: String)
    case downloadFailed(url: String, reason: String)
    case invalidArgument(String)
    case unknownMetric(String, known: [String])
    case classifier(String)

    public var description: String {
        switch self {
        case .badFeatures(let m): return "bad features: \(m)"
        case let .weightsMissing(what, hint): return "\(what) weights not found. \(hint)"
        case let .downloadFailed(url, reason): return "download of \(url) failed: \(reason)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case let .unknownMetric(name, known): return "unknown metric '\(name)' (known: \(known.joined(separator: ", ")))"
        case .classifier(let m): return "classifier: \(m)"
        }
    }
}
