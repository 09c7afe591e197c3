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
    /// The whole file, memory-mapped where possible (large checkpoints are then paged in on demand
    /// and copied once, straight into tensor storage).
    static func contents(of url: URL) throws -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, reason: "is a directory, not a file") }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw CheckpointError(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw CheckpointError(file: path, reason: "file is empty (0 bytes)") }
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
        closed = true
        guard close(fd) == 0 else {
            throw CheckpointError(file: path, reason: "closing the temporary file failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            throw CheckpointError(file: path, reason: "rename into place failed: \(String(cString: strerror(errno)))")
        }
        renamed = true
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
