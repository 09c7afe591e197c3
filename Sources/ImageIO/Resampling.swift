import Foundation

/// Resampling kernels with PIL's definitions and supports.
public enum ResampleFilter: Sendable {
    case box, bilinear, bicubic, lanczos

    var support: Double {
        switch self {
        case .box: return 0.5
        case .bilinear: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    func weight(_ t: Double) -> Double {
        switch self {
        case .box:
            return (t > -0.5 && t <= 0.5) ? 1 : 0
        case .bilinear:
            let x = abs(t)
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5, x = abs(t)
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        case .lanczos:
            func sinc(_ v: Double) -> Double { v == 0 ? 1 : sin(Double.pi * v) / (Double.pi * v) }
            return (-3 <= t && t < 3) ? sinc(t) * sinc(t / 3) : 0
        }
    }
}

/// Fixed-point separable resampling, a port of PIL's `ImagingResample` 8-bit path
/// (`Image.resize(size, filter, reducing_gap=None)`): the kernel support widens by the
/// downscale factor (antialiasing), weights are normalised per output pixel and quantised to
/// 22 fractional bits, horizontal pass first, results clipped to 0...255 after each pass.
enum Resampler {
    static let precisionBits = 32 - 8 - 2

    struct Coefficients {
        var bounds: [(start: Int, count: Int)]
        var kernelSize: Int
        var weights: [Int]  // outSize * kernelSize fixed-point weights
    }

    static func coefficients(inSize: Int, outSize: Int, filter: ResampleFilter) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = []
        bounds.reserveCapacity(outSize)
        var weights = [Int](repeating: 0, count: outSize * kernelSize)
        var kernel = [Double](repeating: 0, count: kernelSize)
        let one = Double(1 << precisionBits)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let inverseScale = 1 / filterScale
            // C's (int) cast truncates toward zero; PIL relies on it before clamping.
            let start = max(0, Int(center - support + 0.5))
            let end = min(inSize, Int(center + support + 0.5))
            let count = max(0, end - start)
            var total = 0.0
            for x in 0..<count {
                let w = filter.weight((Double(x + start) - center + 0.5) * inverseScale)
                kernel[x] = w
                total += w
            }
            for x in 0..<count {
                let w = total != 0 ? kernel[x] / total : kernel[x]
                weights[xx * kernelSize + x] = w < 0 ? Int(-0.5 + w * one) : Int(0.5 + w * one)
            }
            bounds.append((start, count))
        }
        return Coefficients(bounds: bounds, kernelSize: kernelSize, weights: weights)
    }

    @inline(__always) static func clip8(_ value: Int) -> UInt8 {
        let shifted = value >> precisionBits
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(shifted))
    }

    /// Resamples interleaved 8-bit rows along x.
    static func horizontal(_ src: [UInt8], width: Int, height: Int, channels: Int, outWidth: Int, filter: ResampleFilter) -> [UInt8] {
        let coeffs = coefficients(inSize: width, outSize: outWidth, filter: filter)
        var out = [UInt8](repeating: 0, count: outWidth * height * channels)
        let half = 1 << (precisionBits - 1)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                coeffs.weights.withUnsafeBufferPointer { k in
                    for y in 0..<height {
                        let row = y * width * channels
                        for xx in 0..<outWidth {
                            let (start, count) = coeffs.bounds[xx]
                            let kb = xx * coeffs.kernelSize
                            for c in 0..<channels {
                                var sum = half
                                for x in 0..<count { sum += Int(s[row + (start + x) * channels + c]) * k[kb + x] }
                                d[(y * outWidth + xx) * channels + c] = clip8(sum)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Resamples interleaved 8-bit columns along y.
    static func vertical(_ src: [UInt8], width: Int, height: Int, channels: Int, outHeight: Int, filter: ResampleFilter) -> [UInt8] {
        let coeffs = coefficients(inSize: height, outSize: outHeight, filter: filter)
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: stride * outHeight)
        let half = 1 << (precisionBits - 1)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { d in
                coeffs.weights.withUnsafeBufferPointer { k in
                    for yy in 0..<outHeight {
                        let (start, count) = coeffs.bounds[yy]
                        let kb = yy * coeffs.kernelSize
                        for i in 0..<stride {
                            var sum = half
                            for y in 0..<count { sum += Int(s[(start + y) * stride + i]) * k[kb + y] }
                            d[yy * stride + i] = clip8(sum)
                        }
                    }
                }
            }
        }
        return out
    }
}

extension RGBImage {
    /// Antialiased resize matching PIL's `resize((width, height), filter, reducing_gap=None)`
    /// within rounding (PIL skips a pass whose size is unchanged; so do we).
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic) -> RGBImage {
        precondition(outWidth > 0 && outHeight > 0, "target size must be positive")
        if outWidth == width && outHeight == height { return self }
        var data = pixels
        var w = width
        if outWidth != width {
            data = Resampler.horizontal(data, width: width, height: height, channels: 3, outWidth: outWidth, filter: filter)
            w = outWidth
        }
        if outHeight != height {
            data = Resampler.vertical(data, width: w, height: height, channels: 3, outHeight: outHeight, filter: filter)
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: data)
    }

    /// Centre square crop of side min(width, height); the offset is floor((long - short) / 2).
    public func centerCropped() -> RGBImage {
        let side = min(width, height)
        if width == height { return self }
        let left = (width - side) / 2, top = (height - side) / 2
        var out = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            let s = ((top + y) * width + left) * 3
            out.replaceSubrange(y * side * 3..<(y + 1) * side * 3, with: pixels[s..<(s + side * 3)])
        }
        return RGBImage(width: side, height: side, pixels: out)
    }

    /// Centre crop to a square, then resize to `side` x `side`: the dataset preprocessing.
    public func squareResized(to side: Int, filter: ResampleFilter = .bicubic) -> RGBImage {
        centerCropped().resized(width: side, height: side, filter: filter)
    }
}
