import Foundation
import XCTest
@testable import Torch

/// Mutation stamps (what keys derived-weight caches) and the operator profiler.
final class InferenceSupportTests: XCTestCase {
    func testMutationStampChangesWithEveryInPlaceChangeAndDataReplacement() throws {
        let t = try Tensor.zeros([2, 3])
        let s0 = try XCTUnwrap(t.mutationStamp)
        XCTAssertEqual(t.mutationStamp, s0, "reading leaves the stamp alone")
        _ = try t + 1.0
        XCTAssertEqual(t.mutationStamp, s0)
        try t.fill_(1)
        let s1 = try XCTUnwrap(t.mutationStamp)
        XCTAssertNotEqual(s1, s0)
        try t.view([6]).copy_(from: Tensor.ones([6]))  // through a view
        let s2 = try XCTUnwrap(t.mutationStamp)
        XCTAssertNotEqual(s2, s1)
        try withNoGrad { try t += 2.0 }  // no-grad in-place ops count too
        let s3 = try XCTUnwrap(t.mutationStamp)
        XCTAssertNotEqual(s3, s2)
        try t.setData(Tensor.ones([2, 3]))
        XCTAssertNotEqual(try XCTUnwrap(t.mutationStamp).storage, s3.storage)
    }

    func testProfileWritesTheOperatorsRun() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-profile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try Tensor.randn([8, 8])
        let y = try Torch.profile(to: path) { try a.matmul(a).softmax(dim: -1) }
        XCTAssertEqual(y.shape, [8, 8])
        let trace = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(trace.contains("aten::mm"), trace)
        XCTAssertTrue(trace.contains("aten::softmax"), trace)
    }

    func testProfileRefusesNestingAndRecoversFromErrors() throws {
        let dir = FileManager.default.temporaryDirectory
        let p1 = dir.appendingPathComponent("deepi2i-profile-\(UUID().uuidString).json").path
        let p2 = dir.appendingPathComponent("deepi2i-profile-\(UUID().uuidString).json").path
        defer { for p in [p1, p2] { try? FileManager.default.removeItem(atPath: p) } }
        try Torch.profile(to: p1) {
            XCTAssertThrowsError(try Torch.profile(to: p2) {}) { error in
                XCTAssertTrue("\(error)".contains("already"), "\(error)")
            }
        }
        struct Boom: Error {}
        XCTAssertThrowsError(try Torch.profile(to: p2) { throw Boom() })
        try Torch.profile(to: p2) {}  // the failed recording was closed
    }
}
