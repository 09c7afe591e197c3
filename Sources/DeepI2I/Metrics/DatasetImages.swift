import Datasets
import Foundation
import Torch

extension PackedDataset {
    /// Images at `indices` as one [N, 3, R, R] tensor in [-1, 1].
    public func tensor(at indices: [Int], device: Device = .cpu) throws -> Tensor {
        guard !indices.isEmpty else { throw EvaluationError.invalidArgument("no images selected from \(url.path)") }
        var bytes = [UInt8](repeating: 0, count: indices.count * bytesPerImage)
        bytes.withUnsafeMutableBytes { buffer in
            for (i, index) in indices.enumerated() {
                copyImage(index, to: UnsafeMutableRawBufferPointer(rebasing: buffer[(i * bytesPerImage)..<((i + 1) * bytesPerImage)]))
            }
        }
        return try ImageTensors.tensor(fromHWC: bytes, count: indices.count, height: resolution, width: resolution, device: device)
    }
}
