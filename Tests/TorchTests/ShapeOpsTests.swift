import XCTest
@testable import Torch

final class ShapeOpsTests: XCTestCase {
    /// 0, 1, ..., n-1 as f32 in `shape`.
    private func iota(_ shape: [Int]) throws -> Tensor {
        try Tensor.arange(0, Double(shape.reduce(1, *)), dtype: .f32).reshape(shape)
    }

    private func floats(_ t: Tensor) throws -> [Float] { try t.toArray(of: Float.self) }

    func testViewSharesStorage() throws {
        let x = try iota([2, 6])
        let v = try x.view([3, 4])
        XCTAssertEqual(v.shape, [3, 4])
        XCTAssertEqual(try floats(v), (0..<12).map(Float.init))
        try v.fill_(1)
        XCTAssertEqual(try floats(x), [Float](repeating: 1, count: 12))
        XCTAssertEqual(try x.view([-1, 3]).shape, [4, 3])
    }

    func testReshapeOfNonContiguousCopies() throws {
        let x = try iota([2, 3])
        let t = try x.t()
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(try t.reshape([6]).toArray(of: Float.self), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try x.reshape([3, -1]).shape, [3, 2])
    }

    func testPermuteTransposeContiguous() throws {
        let x = try iota([2, 3, 4])
        let p = try x.permute([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p.strides, [1, 12, 4])
        XCTAssertFalse(p.isContiguous)
        let c = try p.contiguous()
        XCTAssertTrue(c.isContiguous)
        XCTAssertEqual(c.strides, [6, 3, 1])
        // p[k, i, j] = x[i, j, k] = 12i + 4j + k
        let values = try floats(c)
        XCTAssertEqual(values[0 * 6 + 1 * 3 + 2], 12 + 8 + 0)
        XCTAssertEqual(values[3 * 6 + 0 * 3 + 1], 0 + 4 + 3)
        let tr = try x.transpose(0, 2)
        XCTAssertEqual(tr.shape, [4, 3, 2])
        XCTAssertEqual(try floats(tr.contiguous()).prefix(4), [0, 12, 4, 16])
    }

    func testCatAndStack() throws {
        let a = try iota([2, 2])
        let b = try iota([2, 2]) + 10
        let c0 = try Tensor.cat([a, b], dim: 0)
        XCTAssertEqual(c0.shape, [4, 2])
        XCTAssertEqual(try floats(c0), [0, 1, 2, 3, 10, 11, 12, 13])
        let c1 = try Tensor.cat([a, b], dim: 1)
        XCTAssertEqual(c1.shape, [2, 4])
        XCTAssertEqual(try floats(c1), [0, 1, 10, 11, 2, 3, 12, 13])
        let s = try Tensor.stack([a, b], dim: 1)
        XCTAssertEqual(s.shape, [2, 2, 2])
        XCTAssertEqual(try floats(s), [0, 1, 10, 11, 2, 3, 12, 13])
        let s0 = try Tensor.stack([a, b, a])
        XCTAssertEqual(s0.shape, [3, 2, 2])
    }

    func testSplitAndChunk() throws {
        let x = try iota([7, 2])
        let parts = try x.split(size: 3)
        XCTAssertEqual(parts.map(\.shape), [[3, 2], [3, 2], [1, 2]])
        XCTAssertEqual(try floats(parts[2]), [12, 13])
        let cols = try x.split(size: 1, dim: 1)
        XCTAssertEqual(cols.count, 2)
        XCTAssertEqual(try floats(cols[1]), [1, 3, 5, 7, 9, 11, 13])
        let chunks = try x.chunk(3)
        XCTAssertEqual(chunks.map(\.shape), [[3, 2], [3, 2], [1, 2]])
        let even = try iota([6]).chunk(3)
        XCTAssertEqual(try even.map { try floats($0) }, [[0, 1], [2, 3], [4, 5]])
        XCTAssertThrowsError(try x.split(size: 0))
    }

    func testNarrowSliceSelect() throws {
        let x = try iota([4, 5])
        let n = try x.narrow(dim: 1, start: 1, length: 3)
        XCTAssertEqual(n.shape, [4, 3])
        XCTAssertEqual(try floats(n).prefix(6), [1, 2, 3, 6, 7, 8])
        let s = try x.slice(dim: 1, start: 0, end: 5, step: 2)
        XCTAssertEqual(s.shape, [4, 3])
        XCTAssertEqual(try floats(s).prefix(3), [0, 2, 4])
        let tail = try x.slice(dim: 0, start: 2)
        XCTAssertEqual(tail.shape, [2, 5])
        XCTAssertEqual(try floats(tail).first, 10)
        let row = try x.select(dim: 0, index: 3)
        XCTAssertEqual(row.shape, [5])
        XCTAssertEqual(try floats(row), [15, 16, 17, 18, 19])
    }

    func testIndexSelectAndGather() throws {
        let x = try iota([3, 4])
        let rows = try x.indexSelect(dim: 0, index: Tensor([Int64(2), 0, 2]))
        XCTAssertEqual(rows.shape, [3, 4])
        XCTAssertEqual(try floats(rows), [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let cols = try x.indexSelect(dim: 1, index: Tensor([Int64(3), 1]))
        XCTAssertEqual(try floats(cols), [3, 1, 7, 5, 11, 9])
        let idx = try Tensor([Int64(0), 3, 1, 1, 2, 0], shape: [3, 2])
        let g = try x.gather(dim: 1, index: idx)
        XCTAssertEqual(g.shape, [3, 2])
        XCTAssertEqual(try floats(g), [0, 3, 5, 5, 10, 8])
    }

    func testExpandSqueezeUnsqueezeFlatten() throws {
        let x = try Tensor([Float(1), 2, 3], shape: [3, 1])
        let e = try x.expand([3, 4])
        XCTAssertEqual(e.shape, [3, 4])
        XCTAssertEqual(e.strides[1], 0)
        XCTAssertEqual(try floats(e), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        XCTAssertEqual(try x.expand(as: Tensor.zeros([2, 3, 5])).shape, [2, 3, 5])
        let u = try x.unsqueeze(dim: 0)
        XCTAssertEqual(u.shape, [1, 3, 1])
        XCTAssertEqual(try u.squeeze().shape, [3])
        XCTAssertEqual(try u.squeeze(dim: 0).shape, [3, 1])
        XCTAssertEqual(try u.squeeze(dim: 1).shape, [1, 3, 1]) // not of size 1: unchanged
        XCTAssertEqual(try u.unsqueeze(dim: -1).shape, [1, 3, 1, 1])
        let y = try iota([2, 3, 4, 5])
        XCTAssertEqual(try y.flatten().shape, [120])
        XCTAssertEqual(try y.flatten(startDim: 1).shape, [2, 60])
        XCTAssertEqual(try y.flatten(startDim: 1, endDim: 2).shape, [2, 12, 5])
        XCTAssertEqual(try floats(y.flatten(startDim: 1)), (0..<120).map(Float.init))
    }

    func testSizeWithNegativeIndex() throws {
        let x = try Tensor.zeros([2, 3, 4])
        XCTAssertEqual(x.size(0), 2)
        XCTAssertEqual(x.size(-1), 4)
        XCTAssertEqual(x.size(-2), 3)
    }
}
