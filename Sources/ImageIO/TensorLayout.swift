/// Conversions between HWC bytes and the CHW floats in [-1, 1] that the networks consume,
/// so the tensor layer can convert without knowing about images.
extension RGBImage {
    /// Planar CHW floats, x / 127.5 - 1.
    public func toFloatCHW() -> [Float] {
        let plane = width * height
        var out = [Float](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 { out[c * plane + i] = Float(pixels[i * 3 + c]) / 127.5 - 1 }
        }
        return out
    }

    /// From planar CHW floats in [-1, 1]: clamped, then (x + 1) * 127.5 rounded to nearest.
    /// Returns nil when `chw.count != 3 * width * height`.
    public init?(chw: [Float], width: Int, height: Int) {
        let plane = width * height
        guard width >= 0, height >= 0, chw.count == plane * 3 else { return nil }
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 {
                var v = chw[c * plane + i]
                if !(v >= -1) { v = -1 }  // also maps NaN to -1
                if v > 1 { v = 1 }
                pixels[i * 3 + c] = UInt8(((v + 1) * 127.5).rounded())
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
