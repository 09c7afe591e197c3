import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File access shared by the readers and writers: checked opening, and atomic replacement.
enum FileIO {
    /// The whole file, read into memory. Not memory-mapped: a file truncated by another process
    /// while mapped would kill this one with SIGBUS on the next page touched; a read just comes up short.
    static func contents(of url: URL) throws -> Data {
        let file = try ReadOnlyFile(url)
        defer { file.close() }
        guard file.size > 0 else { throw CheckpointError(file: url.path, reason: "file is empty (0 bytes)") }
        var data = Data(count: file.size)
        try data.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        return data
    }

    /// Writes `chunks` to a temporary file beside `url`, then renames it over `url`, so readers
    /// never observe a half-written file.
    static func writeAtomically(to url: URL, _ produce: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temp = (directory.isEmpty ? "." : directory) + "/.\(url.lastPathComponent).tmp-\(UUID().uuidString)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw CheckpointError(file: path, reason: "cannot create temporary file \(temp): \(String(cString: strerror(errno)))")
        }
        var closed = false
        var renamed = false
        defer {
            if !closed { _ = close(fd) }
            if !renamed { _ = unlink(temp) }
        }
        try produce { chunk in
            var offset = 0
            while offset < chunk.count {
                let base = chunk.baseAddress.map { $0 + offset }
                let n = write(fd, base, chunk.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError(file: path, reason: "write failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        // The data must be on disk before the rename that publishes it, or a power cut can leave
        // the new name pointing at an empty file.
        guard fsync(fd) == 0 else {
            throw CheckpointError(file: path, reason: "fsync of the temporary file failed: \(String(cString: strerror(errno)))")
        }
        closed = true
        guard close(fd) == 0 else {
            throw CheckpointError(file: path, reason: "closing the temporary file failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            throw CheckpointError(file: path, reason: "rename into place failed: \(String(cString: strerror(errno)))")
        }
        renamed = true
        // And the rename itself must reach the disk: it lives in the directory.
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// fsyncs a directory, so that renames and creations inside it survive a power cut.
    static func syncDirectory(_ path: String) throws {
        let dfd = open(path, O_RDONLY | O_DIRECTORY)
        guard dfd >= 0 else {
            throw CheckpointError(file: path, reason: "cannot open the folder to sync it: \(String(cString: strerror(errno)))")
        }
        defer { _ = close(dfd) }
        // Some file systems cannot fsync a directory (EINVAL); their renames are ordered anyway.
        guard fsync(dfd) == 0 || errno == EINVAL else {
            throw CheckpointError(file: path, reason: "fsync of the folder failed: \(String(cString: strerror(errno)))")
        }
    }
}

private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

/// A file opened for positioned reads (`pread`), whose size is taken once at opening. Reads that
/// come up short (the file shrank meanwhile) throw instead of returning garbage.
final class ReadOnlyFile {
    let path: String
    let size: Int
    private var fd: Int32

    init(_ url: URL) throws {
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, reason: "is a directory, not a file") }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError(file: path, reason: "cannot read: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            closeDescriptor(fd)
            throw CheckpointError(file: path, reason: "cannot read its size: \(reason)")
        }
        size = Int(info.st_size)
    }

    deinit { close() }

    func close() {
        if fd >= 0 { closeDescriptor(fd) }
        fd = -1
    }

    /// Fills `buffer` with the bytes at `offset`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let why = n < 0 ? String(cString: strerror(errno)) : "the file ended early (truncated while being read?)"
                throw CheckpointError(file: path, reason: "reading \(buffer.count) bytes at offset \(offset) failed: \(why)")
            }
            done += n
        }
    }

    /// `count` bytes at `offset`.
    func bytes(_ count: Int, at offset: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: Error?
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do {
                try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return out
    }
}

/// Element count of a shape, or nil when a dimension is negative or the product overflows.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow else { return nil }
        n = p
    }
    return n
}

/// Byte count of `elements` elements of `dtype`, or nil on overflow.
func checkedByteCount(_ elements: Int, _ dtype: StorageDType) -> Int? {
    let (p, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
    return overflow ? nil : p
}
