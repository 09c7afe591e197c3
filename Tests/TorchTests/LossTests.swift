import Foundation
import XCTest
@testable import Torch

final class LossTests: XCTestCase {
    typealias F = Functional

    private func pair() throws -> (Tensor, Tensor) {
        (try Fixture.seq([3, 4]), try Fixture.seq([3, 4], a: 0.53, b: 1.0))
    }

    private func logits() throws -> Tensor { try Fixture.seq([4, 5], a: 0.61, scale: 2) }
    private func targets() throws -> Tensor { try Tensor([Int64(1), 0, 4, 2]) }

    func testMSE() throws {
        let (a, b) = try pair()
        try assertMatchesReference(F.mseLoss(a, b), "mse_mean")
        try assertMatchesReference(F.mseLoss(a, b, reduction: .sum), "mse_sum")
        try assertMatchesReference(F.mseLoss(a, b, reduction: .none), "mse_none")
        let hand = try F.mseLoss(Tensor([Float(1), 2]), Tensor([Float(0), 4]))
        XCTAssertEqual(try hand.item(), 2.5)
    }

    func testL1() throws {
        let (a, b) = try pair()
        try assertMatchesReference(F.l1Loss(a, b), "l1_mean")
        try assertMatchesReference(F.l1Loss(a, b, reduction: .sum), "l1_sum")
        XCTAssertEqual(try F.l1Loss(Tensor([Float(1), 2]), Tensor([Float(0), 4])).item(), 1.5)
    }

    func testCrossEntropy() throws {
        try assertMatchesReference(F.crossEntropy(logits(), targets: targets()), "ce_mean")
        try assertMatchesReference(F.crossEntropy(logits(), targets: targets(), reduction: .sum), "ce_sum")
        try assertMatchesReference(F.crossEntropy(logits(), targets: targets(), reduction: .none), "ce_none")
        try assertMatchesReference(F.crossEntropy(logits(), targets: targets(), labelSmoothing: 0.1), "ce_smooth")
        // Uniform logits: loss = log(C).
        let uniform = try F.crossEntropy(Tensor.zeros([2, 5]), targets: Tensor([Int64(0), 3]))
        XCTAssertEqual(try uniform.item(), Foundation.log(5), accuracy: 1e-6)
    }

    func testBinaryCrossEntropyWithLogits() throws {
        let t = try (Fixture.seq([4, 5], a: 0.29, b: 0.7) + 1) / 2
        try assertMatchesReference(F.binaryCrossEntropyWithLogits(logits(), targets: t), "bce_logits_mean")
        try assertMatchesReference(F.binaryCrossEntropyWithLogits(logits(), targets: t, reduction: .none), "bce_logits_none")
        // z = 0, target 1: log 2.
        let hand = try F.binaryCrossEntropyWithLogits(Tensor([Float(0)]), targets: Tensor([Float(1)]))
        XCTAssertEqual(try hand.item(), Foundation.log(2), accuracy: 1e-6)
    }
}
