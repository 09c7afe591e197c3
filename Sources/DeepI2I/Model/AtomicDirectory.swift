import Foundation
import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a folder of files so that readers, and a machine that loses power at any instant, see
/// either the old folder or the complete new one. Used by models, GANs and training checkpoints.
///
/// The files go into a temporary sibling `.<name>.tmp-<pid>-<id>`, are fsynced, and the folder then
/// takes the destination's place:
/// - Linux: `renameat2(RENAME_EXCHANGE)` swaps the two names in one step, so the destination never
///   goes missing; the old folder, now under the temporary name, is deleted afterwards.
/// - Elsewhere (or a file system without exchange): the complete folder is first renamed to
///   `.<name>.new-<pid>-<id>`, the old one aside to `.<name>.old-<pid>-<id>`, and the new one into
///   place. The destination is missing only between the last two renames; `recover` (run before every
///   write and by the readers) puts the new folder, or else the old one, back.
/// Leftovers of a process that died (a second Ctrl-C, a crash, a power cut) are removed by `recover`;
/// those of a live process are left alone, since it may still be writing them.
enum AtomicDirectory {
    /// Creates `dir` with the files `fill` writes into the folder it is given. On failure the temporary
    /// folder is removed and `dir` is left as it was.
    static func write(_ dir: URL, _ fill: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = dir.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        recover(dir)
        let tmp = sibling(of: dir, kind: "tmp")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        do {
            try fill(tmp)
            try syncTree(tmp)
            try replace(dir, with: tmp)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Moves `source` to `destination`, replacing an existing folder only once the new one is complete.
    static func replace(_ destination: URL, with source: URL) throws {
        let fm = FileManager.default
        let parent = destination.deletingLastPathComponent()
        guard fm.fileExists(atPath: destination.path) else {
            try fm.moveItem(at: source, to: destination)
            try syncDirectory(parent)
            return
        }
        if exchange(source, destination) {
            // `source` now names the old folder.
            try syncDirectory(parent)
            try? fm.removeItem(at: source)
            return
        }
        // No exchange: mark the new folder complete, then swap with two renames (see the type's doc).
        let ready = sibling(of: destination, kind: "new")
        let old = sibling(of: destination, kind: "old")
        try fm.moveItem(at: source, to: ready)
        try syncDirectory(parent)
        try fm.moveItem(at: destination, to: old)
        try fm.moveItem(at: ready, to: destination)
        try syncDirectory(parent)
        try? fm.removeItem(at: old)
    }

    /// Repairs what an interrupted `write`/`replace` of `dir` left behind: if `dir` is missing, the
    /// newest complete `.new-` folder, or else the newest `.old-` one, becomes `dir`; then leftovers
    /// of dead processes are removed. Safe to call at any time, from readers too.
    static func recover(_ dir: URL) {
        let fm = FileManager.default
        let parent = dir.deletingLastPathComponent()
        let prefix = ".\(dir.lastPathComponent)."
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        struct Leftover { let url: URL; let kind: String; let pid: Int32?; let date: Date }
        let leftovers: [Leftover] = names.compactMap { name in
            guard name.hasPrefix(prefix) else { return nil }
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-") else { return nil }
            let kind = String(rest[..<dash])
            guard ["tmp", "new", "old"].contains(kind) else { return nil }
            let url = parent.appendingPathComponent(name)
            let pid = rest[rest.index(after: dash)...].split(separator: "-").first.flatMap { Int32($0) }
            let date = (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            return Leftover(url: url, kind: kind, pid: pid, date: date)
        }
        guard !leftovers.isEmpty else { return }
        // Only a dead process's leftovers are ours to touch (an older naming without a pid counts as dead).
        let dead = leftovers.filter { item in
            guard let pid = item.pid else { return true }
            return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
        }
        if !fm.fileExists(atPath: dir.path) {
            let newest = { (kind: String) in dead.filter { $0.kind == kind }.max { $0.date < $1.date } }
            if let restore = newest("new") ?? newest("old") {
                if (try? fm.moveItem(at: restore.url, to: dir)) != nil { try? syncDirectory(parent) }
            }
        }
        for item in dead where fm.fileExists(atPath: item.url.path) && fm.fileExists(atPath: dir.path) {
            try? fm.removeItem(at: item.url)
        }
    }

    /// Writes `value` as sorted, indented JSON (the documents saved beside weights), atomically and durably.
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        try writeFile(try JSONFile.encode(value), to: url)
    }

    /// Writes `data` to a temporary file beside `url`, fsyncs it, renames it over `url` and fsyncs the folder.
    static func writeFile(_ data: Data, to url: URL) throws {
        let parent = url.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
        try data.write(to: temp)
        do {
            try syncPath(temp, directory: false)
            guard rename(temp.path, url.path) == 0 else { throw posixError("renaming into \(url.path)") }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
        try syncDirectory(parent)
    }

    // MARK: Helpers

    /// `.<name>.<kind>-<pid>-<random>` beside `dir`.
    static func sibling(of dir: URL, kind: String) -> URL {
        dir.deletingLastPathComponent()
            .appendingPathComponent(".\(dir.lastPathComponent).\(kind)-\(getpid())-\(UUID().uuidString.prefix(8))")
    }

    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// glibc's `renameat2`, looked up at run time (Swift's Glibc module does not export it).
    static let renameat2: RenameAt2? = {
        #if os(Linux)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
        #else
        return nil
        #endif
    }()

    /// Atomically swaps the names `a` and `b`; false where the system or file system cannot.
    static func exchange(_ a: URL, _ b: URL) -> Bool {
        guard let renameat2 else { return false }
        let renameExchange: UInt32 = 1 << 1
        return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
    }

    /// fsyncs every file and folder under `root`, and `root` itself.
    static func syncTree(_ root: URL) throws {
        let fm = FileManager.default
        if let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) {
            for case let url as URL in walker {
                let isDirectory = (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
                try syncPath(url, directory: isDirectory == true)
            }
        }
        try syncDirectory(root)
    }

    static func syncDirectory(_ url: URL) throws { try syncPath(url, directory: true) }

    static func syncPath(_ url: URL, directory: Bool) throws {
        let fd = open(url.path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard fd >= 0 else { throw posixError("opening \(url.path) to sync it") }
        defer { _ = close(fd) }
        // Some file systems cannot fsync a folder (EINVAL); their metadata is ordered anyway.
        guard fsync(fd) == 0 || (directory && errno == EINVAL) else { throw posixError("fsync of \(url.path)") }
    }

    static func posixError(_ what: String) -> Error {
        let code = errno
        return NSError(domain: NSPOSIXErrorDomain, code: Int(code),
                       userInfo: [NSLocalizedDescriptionKey: "\(what) failed: \(String(cString: strerror(code)))"])
    }
}
