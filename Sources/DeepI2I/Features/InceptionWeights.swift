import Datasets
import Foundation
import Torch
import Support

/// Where the FID Inception weights come from: a file the user gives (`--inception-weights PATH` or
/// $DEEPI2I_INCEPTION_WEIGHTS), the cache ~/.cache/deepi2i, or, on machines with a network, a
/// download of pytorch-fid's release asset into that cache.
public enum InceptionWeights {
    public static var cachedFile: URL { WeightFiles.cacheDirectory.appendingPathComponent(InceptionV3FID.weightsFileName) }

    static var hint: String {
        "Get \(InceptionV3FID.weightsURL) (pytorch-fid's FID Inception weights, 91 MB) and pass it with --inception-weights PATH, set DEEPI2I_INCEPTION_WEIGHTS=PATH, or put it at \(cachedFile.path); `deepi2i evaluate --download-inception` fetches it where a network is available."
    }

    /// The weights file, without any network access.
    public static func locate(explicit: String? = nil) throws -> URL {
        try WeightFiles.locate(explicit: explicit, environment: "DEEPI2I_INCEPTION_WEIGHTS",
                               fileName: InceptionV3FID.weightsFileName, what: "FID Inception-v3", hint: hint)
    }

    /// Downloads `url` (https or file) with curl into `destination` (the cache by default), checking
    /// the SHA-256 prefix when given; the file appears only once complete and verified.
    @discardableResult
    public static func download(from url: String = InceptionV3FID.weightsURL, to destination: URL = cachedFile,
                                sha256Prefix: String? = InceptionV3FID.weightsSHA256Prefix,
                                log: (String) -> Void = { _ in }) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = destination.appendingPathExtension("partial")
        try? fm.removeItem(at: partial)
        log("downloading \(url) -> \(destination.path)")
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(["curl", "--fail", "--location", "--silent", "--show-error", "--retry", "2",
                                         "--output", partial.path, url])
        } catch {
            throw EvaluationError.downloadFailed(url: url, reason: "cannot run curl: \(error)")
        }
        guard result.succeeded else {
            try? fm.removeItem(at: partial)
            throw EvaluationError.downloadFailed(url: url, reason: "curl exited with \(result.status): \(result.errorText)")
        }
        if let prefix = sha256Prefix {
            let digest = try sha256(of: partial)
            guard digest.hasPrefix(prefix.lowercased()) else {
                try? fm.removeItem(at: partial)
                throw EvaluationError.downloadFailed(url: url, reason: "SHA-256 \(digest) does not start with \(prefix)")
            }
        }
        if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
        try fm.moveItem(at: partial, to: destination)
        return destination
    }

    /// Hex SHA-256 of a file: coreutils' sha256sum when present (fast on 91 MB), else the Swift one.
    static func sha256(of url: URL) throws -> String {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum"),
           let result = try? Subprocess.run(["/usr/bin/sha256sum", url.path]), result.succeeded,
           let digest = result.outputText.split(separator: " ").first, digest.count == 64 {
            return String(digest)
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw EvaluationError.downloadFailed(url: url.path, reason: "cannot read the downloaded file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update([UInt8](chunk))
        }
        return hasher.finalizeHex()
    }

    /// The FID Inception with weights located (or, with `downloadIfMissing`, fetched).
    public static func pretrained(weights path: String? = nil, downloadIfMissing: Bool = false, device: Device = .cpu,
                                  log: (String) -> Void = { _ in }) throws -> InceptionV3FID {
        let url: URL
        do {
            url = try locate(explicit: path)
        } catch let error as EvaluationError where downloadIfMissing && path == nil {
            log("\(error); trying to download")
            url = try download(log: log)
        }
        let model = try InceptionV3FID()
        try model.to(device)
        try model.loadWeights(from: url)
        return model
    }
}
