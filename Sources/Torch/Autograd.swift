import CTorch

// Reverse-mode differentiation through libtorch's autograd engine.
extension Tensor {
    /// Accumulates d(self)/d(leaf) into every leaf's `grad`. A non-scalar tensor needs `gradient`.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
        try withExtendedLifetime(gradient) {
            try check(ct_backward(handle, gradient?.handle, retainGraph, createGraph), "backward")
        }
    }

    /// The accumulated gradient, nil before any backward reached this tensor.
    public var grad: Tensor? {
        guard let h = ct_grad(handle) else { return nil }
        return Tensor(handle: h)
    }

    /// Sets or clears (nil) the accumulated gradient.
    public func setGrad(_ gradient: Tensor?) throws {
        try withExtendedLifetime(gradient) { try check(ct_set_grad(handle, gradient?.handle), "setGrad") }
    }

    /// Zeroes the gradient in place, or drops it (`setToNone`, PyTorch's default since 2.0).
    public func zeroGrad(setToNone: Bool = true) throws {
        try check(ct_zero_grad(handle, setToNone), "zeroGrad")
    }
}

public enum Autograd {
    /// torch.autograd.grad: gradients of `outputs` with respect to `inputs` (nil where unused).
    /// - createGraph: record the gradient computation itself, so the returned gradients can be
    ///   differentiated again (gradient penalties: WGAN-GP, R1).
    /// - retainGraph: keep the graph of `outputs` for another pass; nil means `createGraph`, as in PyTorch.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor]? = nil,
                            createGraph: Bool = false, retainGraph: Bool? = nil,
                            allowUnused: Bool = true) throws -> [Tensor?] {
        if let g = gradOutputs, g.count != outputs.count {
            throw TorchError("Autograd.grad", "\(g.count) output gradients for \(outputs.count) outputs")
        }
        let retain = retainGraph ?? createGraph
        var out = [OpaquePointer?](repeating: nil, count: inputs.count)
        try withHandles(outputs) { o, no in
            try withHandles(inputs) { i, ni in
                try withHandles(gradOutputs ?? []) { g, _ in
                    let status = out.withUnsafeMutableBufferPointer {
                        ct_autograd_grad(o, no, gradOutputs == nil ? nil : g, i, ni, retain, createGraph,
                                         allowUnused, $0.baseAddress)
                    }
                    try check(status, "Autograd.grad")
                }
            }
        }
        return out.map { $0.map(Tensor.init(handle:)) }
    }
}
