import Foundation
import ImageIO
import Support

/// MP4 output through an `ffmpeg` found on PATH (optional: without it the video is skipped).
enum VideoWriter {
    enum Outcome { case written, skipped(String) }

    static func mp4(_ frames: [RGBImage], frameMs: Int, to url: URL) throws -> Outcome {
        guard let ffmpeg = Subprocess.find("ffmpeg") else { return .skipped("ffmpeg is not on PATH") }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-mp4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (i, frame) in frames.enumerated() {
            try CommandSupport.write(ImageEncoder.png(frame), to: tmp.appendingPathComponent(String(format: "f%05d.png", i)))
        }
        // yuv420p needs even sides; scale up 4x with nearest neighbour so small frames stay sharp.
        let result = try Subprocess.run([ffmpeg.path, "-y", "-loglevel", "error", "-framerate", String(format: "%.3f", 1000.0 / Double(frameMs)),
                                         "-i", tmp.appendingPathComponent("f%05d.png").path,
                                         "-vf", "scale=iw*4:ih*4:flags=neighbor", "-pix_fmt", "yuv420p", url.path])
        guard result.succeeded else {
            throw CommandFailure("ffmpeg failed (exit \(result.status)) writing \(url.path): \(result.errorText)")
        }
        return .written
    }
}
