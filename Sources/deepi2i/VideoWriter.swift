import Foundation
import ImageIO

/// MP4 output through an `ffmpeg` found on PATH (optional: without it the video is skipped).
enum VideoWriter {
    enum Outcome { case written, skipped(String) }

    static func findOnPath(_ tool: String) -> URL? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return dirs.map { URL(fileURLWithPath: String($0)).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func mp4(_ frames: [RGBImage], frameMs: Int, to url: URL) throws -> Outcome {
        guard let ffmpeg = findOnPath("ffmpeg") else { return .skipped("ffmpeg is not on PATH") }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-mp4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (i, frame) in frames.enumerated() {
            try CommandSupport.write(ImageEncoder.png(frame), to: tmp.appendingPathComponent(String(format: "f%05d.png", i)))
        }
        let process = Process()
        process.executableURL = ffmpeg
        // yuv420p needs even sides; scale up 4x with nearest neighbour so small frames stay sharp.
        process.arguments = ["-y", "-loglevel", "error", "-framerate", String(format: "%.3f", 1000.0 / Double(frameMs)),
                             "-i", tmp.appendingPathComponent("f%05d.png").path,
                             "-vf", "scale=iw*4:ih*4:flags=neighbor", "-pix_fmt", "yuv420p", url.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandFailure("ffmpeg failed (exit \(process.terminationStatus)) writing \(url.path)")
        }
        return .written
    }
}
