import Foundation
import XCTest
@testable import Torch

final class TensorCreationTests: XCTestCase {
    func testFloat32RoundTripThroughArrayAndBytes() throws {
        let values: [Float] = [1.5, -2.25, 0, 3.125e-3, .greatestFiniteMagnitude, -0.0]
        let t = try Tensor(values, shape: [2, 3])
        XCTAssertEqual(t.dtype, .f32)
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.elementCount, 6)
        XCTAssertEqual(try t.toArray(of: Float.self), values)
        let bytes = try t.bytes()
        XCTAssertEqual(bytes.count, 24)
        XCTAssertEqual(bytes, values.withUnsafeBytes { Array($0) })
    }

    func testFloat16RoundTrip() throws {
        let values: [Float16] = [1, -0.5, 65504, 0.000061035156]
        let t = try Tensor(values, shape: [4])
        XCTAssertEqual(t.dtype, .f16)
        XCTAssertEqual(try t.toArray(of: Float16.self), values)
        XCTAssertEqual(try t.toArray(of: Float.self), values.map(Float.init))
        XCTAssertEqual(try t.bytes(), values.withUnsafeBytes { Array($0) })
    }

    func testBFloat16FromRawBytesAndConversion() throws {
        // bf16 is the top half of an f32: 1.0 = 0x3F80, -2.0 = 0xC000, 0.5 = 0x3F00.
        let raw: [UInt16] = [0x3F80, 0xC000, 0x3F00]
        let t = try raw.withUnsafeBytes { try Tensor(bytes: $0, shape: [3], dtype: .bf16) }
        XCTAssertEqual(t.dtype, .bf16)
        XCTAssertEqual(try t.toArray(of: Float.self), [1, -2, 0.5])
        XCTAssertEqual(try t.bytes(), raw.withUnsafeBytes { Array($0) })
        let back = try Tensor([Float(3.0), -0.125], shape: [2]).to(dtype: .bf16)
        XCTAssertEqual(back.dtype, .bf16)
        XCTAssertEqual(try back.bytes(), [UInt16(0x4040), 0xBE00].withUnsafeBytes { Array($0) })
    }

    func testInt64UInt8AndBoolRoundTrip() throws {
        let i: [Int64] = [Int64.min, -1, 0, 42, Int64.max]
        let ti = try Tensor(i)
        XCTAssertEqual(ti.dtype, .i64)
        XCTAssertEqual(try ti.toArray(of: Int64.self), i)
        XCTAssertEqual(try ti.bytes(), i.withUnsafeBytes { Array($0) })

        let u: [UInt8] = [0, 1, 127, 255]
        let tu = try Tensor(u, shape: [2, 2])
        XCTAssertEqual(tu.dtype, .u8)
        XCTAssertEqual(try tu.toArray(of: UInt8.self), u)
        XCTAssertEqual(try tu.bytes(), u)

        let b: [Bool] = [true, false, false, true]
        let tb = try Tensor(b)
        XCTAssertEqual(tb.dtype, .bool)
        XCTAssertEqual(try tb.toArray(of: Bool.self), b)
        XCTAssertEqual(try tb.bytes(), [1, 0, 0, 1])
        XCTAssertEqual(try tb.toArray(of: Float.self), [1, 0, 0, 1])
    }

    func testScalarTensorAndItem() throws {
        let s = try Tensor(scalar: 2.5)
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.rank, 0)
        XCTAssertEqual(s.elementCount, 1)
        XCTAssertEqual(try s.item(), 2.5)
        XCTAssertEqual(try Tensor(scalar: Int64(-7)).itemInt(), -7)
    }

    func testRawBufferCreationCopiesTheData() throws {
        var storage: [Float] = [1, 2, 3, 4]
        let t = try storage.withUnsafeBytes { try Tensor(bytes: $0, shape: [2, 2], dtype: .f32) }
        storage[0] = 100
        XCTAssertEqual(try t.toArray(of: Float.self), [1, 2, 3, 4])
    }

    func testZerosOnesFullEmpty() throws {
        let z = try Tensor.zeros([2, 3])
        XCTAssertEqual(z.shape, [2, 3])
        XCTAssertEqual(z.dtype, .f32)
        XCTAssertEqual(try z.toArray(of: Float.self), [Float](repeating: 0, count: 6))
        let o = try Tensor.ones([4], dtype: .i64)
        XCTAssertEqual(try o.toArray(of: Int64.self), [1, 1, 1, 1])
        let f = try Tensor.full([2, 2], 3.5, dtype: .f64)
        XCTAssertEqual(try f.toArray(of: Double.self), [3.5, 3.5, 3.5, 3.5])
        let fb = try Tensor.full([3], 1, dtype: .bool)
        XCTAssertEqual(try fb.toArray(of: Bool.self), [true, true, true])
        let e = try Tensor.empty([5, 0])
        XCTAssertEqual(e.shape, [5, 0])
        XCTAssertEqual(e.elementCount, 0)
        XCTAssertEqual(try e.toArray(of: Float.self), [])
    }

    func testArange() throws {
        XCTAssertEqual(try Tensor.arange(0, 5).toArray(of: Int64.self), [0, 1, 2, 3, 4])
        XCTAssertEqual(try Tensor.arange(2, 11, step: 3).toArray(of: Int64.self), [2, 5, 8])
        let f = try Tensor.arange(0, 1, step: 0.25, dtype: .f32)
        XCTAssertEqual(f.dtype, .f32)
        XCTAssertEqual(try f.toArray(of: Float.self), [0, 0.25, 0.5, 0.75])
    }

    func testDtypeConversionAndClone() throws {
        let t = try Tensor([Float(1.7), -2.2, 3.9])
        XCTAssertEqual(try t.to(dtype: .i64).toArray(of: Int64.self), [1, -2, 3])
        XCTAssertEqual(try t.to(dtype: .f64).toArray(of: Double.self).map { ($0 * 10).rounded() / 10 }, [1.7, -2.2, 3.9])
        let c = try t.clone()
        try c.fill_(0)
        XCTAssertEqual(try t.toArray(of: Float.self), [1.7, -2.2, 3.9])
        XCTAssertEqual(try c.toArray(of: Float.self), [0, 0, 0])
    }

    // MARK: Random numbers

    func testSeededGeneratorIsReproducible() throws {
        let a = try Tensor.randn([100], generator: RandomGenerator(seed: 42))
        let b = try Tensor.randn([100], generator: RandomGenerator(seed: 42))
        let c = try Tensor.randn([100], generator: RandomGenerator(seed: 43))
        XCTAssertEqual(try a.toArray(of: Float.self), try b.toArray(of: Float.self))
        XCTAssertNotEqual(try a.toArray(of: Float.self), try c.toArray(of: Float.self))
        let r1 = try Tensor.rand([50], generator: RandomGenerator(seed: 1)).toArray(of: Float.self)
        let r2 = try Tensor.rand([50], generator: RandomGenerator(seed: 1)).toArray(of: Float.self)
        XCTAssertEqual(r1, r2)
        XCTAssertTrue(r1.allSatisfy { $0 >= 0 && $0 < 1 })
        let i1 = try Tensor.randint(-3, 4, [200], generator: RandomGenerator(seed: 9)).toArray(of: Int64.self)
        let i2 = try Tensor.randint(-3, 4, [200], generator: RandomGenerator(seed: 9)).toArray(of: Int64.self)
        XCTAssertEqual(i1, i2)
        XCTAssertEqual(Set(i1), Set(-3...3))
    }

    func testGeneratorStateSaveRestoreReproducesTheStream() throws {
        let g = try RandomGenerator(seed: 5)
        _ = try Tensor.randn([3], generator: g) // advance
        let saved = try g.state()
        XCTAssertEqual(saved.dtype, .u8)
        let first = try Tensor.randn([64], generator: g).toArray(of: Float.self)
        let firstInts = try Tensor.randint(0, 1000, [16], generator: g).toArray(of: Int64.self)
        try g.setState(saved)
        XCTAssertEqual(try Tensor.randn([64], generator: g).toArray(of: Float.self), first)
        XCTAssertEqual(try Tensor.randint(0, 1000, [16], generator: g).toArray(of: Int64.self), firstInts)

        let other = try RandomGenerator(seed: 777)
        try other.setState(saved)
        XCTAssertEqual(try Tensor.randn([64], generator: other).toArray(of: Float.self), first)
    }

    func testDefaultGeneratorStateRoundTrip() throws {
        let saved = try RandomGenerator.defaultState()
        let a = try Tensor.rand([10]).toArray(of: Float.self)
        try RandomGenerator.setDefaultState(saved)
        XCTAssertEqual(try Tensor.rand([10]).toArray(of: Float.self), a)
        try Torch.manualSeed(11)
        let s1 = try Tensor.randn([8]).toArray(of: Float.self)
        try Torch.manualSeed(11)
        XCTAssertEqual(try Tensor.randn([8]).toArray(of: Float.self), s1)
    }

    func testRandomStreamsMatchPyTorchGenerators() throws {
        // torch.RandomGenerator().manual_seed(s) then torch.randn(shape, generator=g): same libtorch, same numbers.
        try assertMatchesReference(Tensor.randn([7], generator: RandomGenerator(seed: 1234)), "randn_seed1234", accuracy: 0)
        try assertMatchesReference(Tensor.rand([6], generator: RandomGenerator(seed: 7)), "rand_seed7", accuracy: 0)
        try assertMatchesReference(Tensor.randint(0, 10, [8], generator: RandomGenerator(seed: 7)), "randint_seed7", accuracy: 0)
        try assertMatchesReference(Tensor.randn([5], generator: RandomGenerator(seed: 99), dtype: .f64), "randn_f64_seed99",
                                   accuracy: 0)
    }

    func testRandnStatistics() throws {
        let x = try Tensor.randn([20000], generator: RandomGenerator(seed: 3))
        XCTAssertEqual(try x.mean().item(), 0, accuracy: 0.03)
        XCTAssertEqual(try x.variance().item(), 1, accuracy: 0.05)
    }
}
