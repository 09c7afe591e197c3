import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one rule for where a command may write an output folder, so that no command loses a user's files:
/// an output never is, contains or lies inside one of the command's inputs, and an existing folder is
/// replaced (with --overwrite) only when deepi2i made it as the same kind of output, recognised by the
/// document every such folder holds. Folders written by earlier versions hold the same documents.
public enum OutputKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case dataset
    case model
    case gan = "GAN"
    case trainingRun = "training run"
    case evaluation
    case classifier

    public var description: String { rawValue }

    /// The document every folder of this kind holds.
    public var document: String {
        switch self {
        case .dataset: return DatasetManifest.manifestFile
        case .model: return "config.json"
        case .gan: return "gan.json"
        case .trainingRun: return "run.json"
        case .evaluation: return "metrics.json"
        case .classifier: return "classifier.json"
        }
    }

    /// Whether the parsed document is deepi2i's own of this kind: the format tag it writes (the same
    /// strings as ModelDirectory/GANDirectory/ClassifierDirectory.format, tied by tests), or, for kinds
    /// without a tag, the keys every version has written.
    func recognises(_ object: [String: Any]) -> Bool {
        func has(_ keys: String...) -> Bool { keys.allSatisfy { object[$0] != nil } }
        switch self {
        case .dataset: return has("version", "resolution", "layout", "classNames", "sha256")
        case .model: return object["format"] as? String == "deepi2i-model"
        case .gan: return object["format"] as? String == "deepi2i-gan"
        case .trainingRun: return has("config", "model", "dataset", "libtorch")
        case .evaluation: return has("metrics", "classNames", "options", "model")
        case .classifier: return object["format"] as? String == "deepi2i-classifier"
        }
    }
}

/// Why an output folder may not be written.
public enum OutputFolderError: Error, CustomStringConvertible, Equatable {
    /// The output is an input, contains one, or lies inside one.
    case overlapsInput(output: String, input: String, role: String, relation: Relation)
    case notAFolder(String)
    /// A folder deepi2i made as this kind; replacing it needs --overwrite.
    case exists(String, kind: OutputKind, resumable: Bool)
    /// A deepi2i folder of another kind.
    case otherKind(String, found: OutputKind, wanted: OutputKind)
    /// A folder with files that deepi2i did not make.
    case notDeepI2I(String, kind: OutputKind)

    public enum Relation: String, Sendable {
        case same = "is"
        case contains
        case inside = "lies inside"
    }

    public var description: String {
        switch self {
        case let .overlapsInput(output, input, role, relation):
            return "output \(output) \(relation.rawValue) the input \(input) (\(role)); writing there could destroy it: choose an --out outside every input"
        case .notAFolder(let path):
            return "output \(path) exists and is not a folder; deepi2i does not replace it: choose another --out"
        case let .exists(path, kind, resumable):
            return "\(path) already holds a deepi2i \(kind) (use --overwrite to replace it\(resumable ? ", --resume to continue it" : ""), or another --out)"
        case let .otherKind(path, found, wanted):
            return "\(path) holds a deepi2i \(found), not a \(wanted); deepi2i does not replace it with a \(wanted): choose another --out"
        case let .notDeepI2I(path, kind):
            return "\(path) already exists and is not a deepi2i \(kind) folder (no deepi2i \(kind.document)); deepi2i replaces only folders it made, --overwrite or not: choose another --out"
        }
    }
}

public enum OutputFolder {
    /// An input of a command, named by its role ("SRC", "--data", ...) for messages.
    public struct Input: Sendable {
        public var role: String
        public var url: URL

        public init(_ role: String, _ path: String) {
            self.role = role
            url = URL(fileURLWithPath: path)
        }

        /// nil for an option that was not given.
        public init?(_ role: String, _ path: String?) {
            guard let path else { return nil }
            self.init(role, path)
        }
    }

    /// What the command will do with its output folder.
    public enum Plan: Equatable, Sendable {
        /// Nothing (or an empty folder) is there: write a new one.
        case create
        /// A deepi2i folder of the right kind is there and --overwrite was given: replace it.
        case replace
        /// A deepi2i folder of the right kind is there and the command continues it (--resume).
        case resume
    }

    /// Checks `url` as the output folder of kind `kind` before any work starts. `resume`: the command
    /// continues a folder of this kind (an absent folder is left to the command to report);
    /// `resumable`: the command has --resume (named in the message when the folder exists); `alsoAccepting`:
    /// further kinds the command may continue or replace (pretrain-gan's folder is a training run until
    /// its GAN files are published at the end).
    @discardableResult
    public static func check(_ url: URL, as kind: OutputKind, alsoAccepting other: Set<OutputKind> = [],
                             inputs: [Input?] = [], overwrite: Bool,
                             resume: Bool = false, resumable: Bool = false) throws -> Plan {
        try checkInputs(url, inputs.compactMap { $0 })
        switch try state(of: url) {
        case .absent, .empty:
            return resume ? .resume : .create
        case .deepI2I(let found) where found == kind || other.contains(found):
            if resume { return .resume }
            guard overwrite else { throw OutputFolderError.exists(url.path, kind: kind, resumable: resumable) }
            return .replace
        case .deepI2I(let found):
            throw OutputFolderError.otherKind(url.path, found: found, wanted: kind)
        case .foreign:
            throw OutputFolderError.notDeepI2I(url.path, kind: kind)
        case .file:
            throw OutputFolderError.notAFolder(url.path)
        }
    }

    /// For library writers about to replace `url`: throws unless it is absent, an empty folder or a
    /// deepi2i folder of `kind` (the command-level check has normally refused earlier, with its hints).
    public static func requireReplaceable(_ url: URL, as kind: OutputKind) throws {
        switch try state(of: url) {
        case .absent, .empty: return
        case .deepI2I(let found) where found == kind: return
        case .deepI2I(let found): throw OutputFolderError.otherKind(url.path, found: found, wanted: kind)
        case .foreign: throw OutputFolderError.notDeepI2I(url.path, kind: kind)
        case .file: throw OutputFolderError.notAFolder(url.path)
        }
    }

    /// What is at a path.
    public enum State: Equatable, Sendable {
        case absent
        case empty
        case file
        case deepI2I(OutputKind)
        case foreign
    }

    public static func state(of url: URL) throws -> State {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        // A symbolic link is judged by what it points to; a dangling one is not replaced.
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return (try? fm.destinationOfSymbolicLink(atPath: url.path)) != nil ? .file : .absent
        }
        guard isDirectory.boolValue else { return .file }
        let entries = try fm.contentsOfDirectory(atPath: url.path)
        if entries.isEmpty { return .empty }
        return kind(of: url).map(State.deepI2I) ?? .foreign
    }

    /// Which kind of deepi2i output the folder is, if any.
    public static func kind(of url: URL) -> OutputKind? {
        OutputKind.allCases.first { kind in
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(kind.document).path),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return false }
            return kind.recognises(object)
        }
    }

    /// Refuses an output that is, contains or lies inside an input (paths compared after resolving
    /// symbolic links and `..`, so another spelling of the same folder is caught too).
    static func checkInputs(_ url: URL, _ inputs: [Input]) throws {
        let output = resolvedComponents(url)
        for input in inputs {
            let path = resolvedComponents(input.url)
            let relation: OutputFolderError.Relation
            if output == path {
                relation = .same
            } else if output.count < path.count, Array(path.prefix(output.count)) == output {
                relation = .contains
            } else if path.count < output.count, Array(output.prefix(path.count)) == path {
                relation = .inside
            } else {
                continue
            }
            throw OutputFolderError.overlapsInput(output: url.path, input: input.url.path, role: input.role, relation: relation)
        }
    }

    /// The absolute path's components with symbolic links resolved in the part that exists.
    static func resolvedComponents(_ url: URL) -> [String] {
        var existing = url.standardizedFileURL
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.pathComponents.count > 1 {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var base = existing.path
        if let resolved = realpath(existing.path, nil) {
            base = String(cString: resolved)
            free(resolved)
        }
        return URL(fileURLWithPath: base).pathComponents + rest
    }

    /// An existing folder moved to a hidden sibling while a command writes its replacement in place
    /// (a training run grows over hours, so it cannot be written elsewhere and renamed). `discard()` once
    /// the new folder is complete; `restore()` when writing it failed.
    public final class SetAside {
        public let original: URL
        public let aside: URL

        init(original: URL, aside: URL) {
            self.original = original
            self.aside = aside
        }

        /// Removes the old folder.
        public func discard() {
            try? FileManager.default.removeItem(at: aside)
        }

        /// Removes what was written at the original place and moves the old folder back.
        public func restore() throws {
            let fm = FileManager.default
            if fm.fileExists(atPath: original.path) { try fm.removeItem(at: original) }
            try fm.moveItem(at: aside, to: original)
        }
    }

    /// Moves `url` aside when it exists (call after `check` said `.replace`).
    public static func setAside(_ url: URL) throws -> SetAside? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let aside = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
        try FileManager.default.moveItem(at: url, to: aside)
        return SetAside(original: url, aside: aside)
    }
}
