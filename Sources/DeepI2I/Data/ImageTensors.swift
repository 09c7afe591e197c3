import Datasets
import ImageIO
import Torch

/// Conversions between images (uint8 HWC) and model tensors (float NCHW in [-1, 1]).
public enum ImageTensors {
    /// A batch of square RGB images as [N, 3, R, R] in [-1, 1].
    public static func tensor(from images: [RGBImage], device: Device = .cpu) throws -> Tensor {
        guard let first = images.first else { throw ModelError.badInput("no images") }
        var hwc = [UInt8]()
        hwc.reserveCapacity(images.count * first.width * first.height * 3)
        for image in images {
            guard image.width == first.width, image.height == first.height else {
                throw ModelError.badInput("images of different sizes in one batch: \(first.width)x\(first.height) and \(image.width)x\(image.height)")
            }
            hwc += image.pixels
        }
        return try tensor(fromHWC: hwc, count: images.count, height: first.height, width: first.width, device: device)
    }

    /// uint8 NHWC bytes (as packed datasets and loaders hold them) to [N, 3, H, W] floats in [-1, 1].
    public static func tensor(fromHWC bytes: [UInt8], count: Int, height: Int, width: Int,
                              device: Device = .cpu) throws -> Tensor {
        let u8 = try Tensor(bytes: bytes, shape: [count, height, width, 3], dtype: .u8, device: device)
        return try (u8.permute([0, 3, 1, 2]).to(dtype: .f32) / 127.5) - 1.0
    }

    /// A loader batch as model input plus its labels.
    public static func tensor(from batch: ImageBatch, device: Device = .cpu) throws -> (images: Tensor, labels: Tensor) {
        let images = try tensor(fromHWC: batch.images, count: batch.count, height: batch.resolution,
                                width: batch.resolution, device: device)
        return (images, try Tensor(batch.labels.map(Int64.init), device: device))
    }

    /// [N, 3, H, W] in [-1, 1] back to images (clamped and rounded).
    public static func images(from tensor: Tensor) throws -> [RGBImage] {
        let s = tensor.shape
        guard s.count == 4, s[1] == 3 else { throw ModelError.badInput("expected [N, 3, H, W] images, got \(s)") }
        let u8 = try ((tensor.detached().to(.cpu, dtype: .f32) + 1.0) * 127.5).round().clamp(min: 0, max: 255)
            .to(dtype: .u8).permute([0, 2, 3, 1]).contiguous()
        let bytes = try u8.toArray(of: UInt8.self)
        let per = s[2] * s[3] * 3
        return (0..<s[0]).map { i in
            RGBImage(width: s[3], height: s[2], pixels: Array(bytes[(i * per)..<((i + 1) * per)]))
        }
    }
}
