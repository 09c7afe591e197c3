import CTorch

// Shape and indexing operations; all return views where libtorch does.
extension Tensor {
    public func view(_ shape: [Int]) throws -> Tensor {
        try withInt64(shape) { try Tensor.wrap("view(\(shape))", ct_view(handle, $0, $1)) }
    }

    public func reshape(_ shape: [Int]) throws -> Tensor {
        try withInt64(shape) { try Tensor.wrap("reshape(\(shape))", ct_reshape(handle, $0, $1)) }
    }

    public func permute(_ dims: [Int]) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("permute(\(dims))", ct_permute(handle, $0, $1)) }
    }

    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor {
        try Tensor.wrap("transpose", ct_transpose(handle, Int64(d0), Int64(d1)))
    }

    /// Matrix transpose of a 2-D tensor.
    public func t() throws -> Tensor { try transpose(0, 1) }

    public func contiguous() throws -> Tensor { try Tensor.wrap("contiguous", ct_contiguous(handle)) }

    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try withHandles(tensors) { try wrap("cat", ct_cat($0, $1, Int64(dim))) }
    }

    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try withHandles(tensors) { try wrap("stack", ct_stack($0, $1, Int64(dim))) }
    }

    /// Pieces of `size` along `dim` (the last may be smaller).
    public func split(size: Int, dim: Int = 0) throws -> [Tensor] {
        guard size > 0 else { throw TorchError("split", "split size must be positive, got \(size)") }
        let extent = self.size(dim)
        return try collect("split", Swift.max(1, (extent + size - 1) / size)) { ct_split(handle, Int64(size), Int64(dim), $0, $1) }
    }

    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        try collect("chunk", Swift.max(1, chunks)) { ct_chunk(handle, Int64(chunks), Int64(dim), $0, $1) }
    }

    private func collect(_ name: String, _ capacity: Int,
                         _ f: (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Int32) throws -> [Tensor] {
        var out = [OpaquePointer?](repeating: nil, count: capacity)
        let n = out.withUnsafeMutableBufferPointer { f($0.baseAddress, Int32(capacity)) }
        if n < 0 { throw TorchError.last(name) }
        return out.prefix(Int(n)).compactMap { $0.map(Tensor.init(handle:)) }
    }

    public func narrow(dim: Int, start: Int, length: Int) throws -> Tensor {
        try Tensor.wrap("narrow", ct_narrow(handle, Int64(dim), Int64(start), Int64(length)))
    }

    /// Elements start..<end (step) along `dim`, like Python's t[..., start:end:step].
    public func slice(dim: Int, start: Int = 0, end: Int? = nil, step: Int = 1) throws -> Tensor {
        try Tensor.wrap("slice", ct_slice(handle, Int64(dim), Int64(start), Int64(end ?? Int(Int64.max)), Int64(step)))
    }

    /// Removes `dim` by taking `index` along it.
    public func select(dim: Int, index: Int) throws -> Tensor {
        try Tensor.wrap("select", ct_select(handle, Int64(dim), Int64(index)))
    }

    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        try Tensor.wrap("indexSelect", ct_index_select(handle, Int64(dim), index.handle))
    }

    public func gather(dim: Int, index: Tensor) throws -> Tensor {
        try Tensor.wrap("gather", ct_gather(handle, Int64(dim), index.handle))
    }

    public func expand(_ shape: [Int]) throws -> Tensor {
        try withInt64(shape) { try Tensor.wrap("expand(\(shape))", ct_expand(handle, $0, $1)) }
    }

    public func expand(as other: Tensor) throws -> Tensor { try expand(other.shape) }

    public func squeeze() throws -> Tensor { try Tensor.wrap("squeeze", ct_squeeze(handle)) }

    public func squeeze(dim: Int) throws -> Tensor { try Tensor.wrap("squeeze", ct_squeeze_dim(handle, Int64(dim))) }

    public func unsqueeze(dim: Int) throws -> Tensor { try Tensor.wrap("unsqueeze", ct_unsqueeze(handle, Int64(dim))) }

    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        try Tensor.wrap("flatten", ct_flatten(handle, Int64(startDim), Int64(endDim)))
    }

    public func repeated(_ repeats: [Int]) throws -> Tensor {
        try withInt64(repeats) { try Tensor.wrap("repeat", ct_repeat(handle, $0, $1)) }
    }

    public func flip(_ dims: [Int]) throws -> Tensor {
        try withInt64(dims) { try Tensor.wrap("flip", ct_flip(handle, $0, $1)) }
    }
}
