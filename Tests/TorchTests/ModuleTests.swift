import XCTest
@testable import Torch

/// conv -> bn, like a residual block's first half.
private final class Block: Module {
    let conv: Conv2d
    let bn: BatchNorm2d

    init(_ channels: Int, generator: RandomGenerator) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: generator)
        bn = try BatchNorm2d(channels)
        super.init()
        registerModule("conv", conv)
        registerModule("bn", bn)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try bn(conv(x)).relu() }
}

/// A parameter and a buffer of its own, then a Sequential of blocks, then a head.
private final class Net: Module {
    let scale: Tensor
    let counter: Tensor
    let blocks = Sequential()
    let head: Linear

    init(seed: UInt64 = 0) throws {
        let g = try RandomGenerator(seed: seed)
        scale = try Tensor.ones([1])
        counter = try Tensor.zeros([], dtype: .i64)
        head = try Linear(2, 3, generator: g)
        super.init()
        try registerParameter("scale", scale)
        registerBuffer("counter", counter)
        registerModule("blocks", blocks)
        blocks.append(try Block(2, generator: g)) { try $0($1) }
        blocks.append(try Block(2, generator: g)) { try $0($1) }
        registerModule("head", head)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let features = try blocks(x * scale).mean(dims: [2, 3])
        return try head(features)
    }
}

final class ModuleTests: XCTestCase {
    private let blockKeys = ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                             "bn.num_batches_tracked"]

    func testHierarchicalStateDictNamesAndOrder() throws {
        let net = try Net()
        let expected = ["scale", "counter"] + blockKeys.map { "blocks.0." + $0 } + blockKeys.map { "blocks.1." + $0 }
            + ["head.weight", "head.bias"]
        XCTAssertEqual(net.stateDict().map(\.name), expected)
        XCTAssertEqual(net.namedParameters().map(\.name),
                       ["scale", "blocks.0.conv.weight", "blocks.0.conv.bias", "blocks.0.bn.weight", "blocks.0.bn.bias",
                        "blocks.1.conv.weight", "blocks.1.conv.bias", "blocks.1.bn.weight", "blocks.1.bn.bias",
                        "head.weight", "head.bias"])
        XCTAssertEqual(net.namedBuffers().map(\.name),
                       ["counter", "blocks.0.bn.running_mean", "blocks.0.bn.running_var", "blocks.0.bn.num_batches_tracked",
                        "blocks.1.bn.running_mean", "blocks.1.bn.running_var", "blocks.1.bn.num_batches_tracked"])
        XCTAssertEqual(net.namedModules().map(\.name),
                       ["", "blocks", "blocks.0", "blocks.0.conv", "blocks.0.bn", "blocks.1", "blocks.1.conv", "blocks.1.bn", "head"])
        XCTAssertEqual(net.stateDict(prefix: "model").first?.name, "model.scale")
    }

    func testParameterCountAndRequiresGrad() throws {
        let net = try Net()
        // scale 1 + 2 * (conv 2*2*9 + 2, bn 2 + 2) + head 3*2 + 3
        XCTAssertEqual(net.parameterCount, 1 + 2 * (36 + 2 + 4) + 9)
        XCTAssertTrue(net.parameters().allSatisfy(\.requiresGrad))
        XCTAssertFalse(net.namedBuffers().contains { $0.tensor.requiresGrad })
    }

    func testTrainEvalPropagates() throws {
        let net = try Net()
        XCTAssertTrue(net.namedModules().allSatisfy { $0.module.isTraining })
        net.eval()
        XCTAssertTrue(net.namedModules().allSatisfy { !$0.module.isTraining })
        net.train()
        XCTAssertTrue(net.namedModules().allSatisfy { $0.module.isTraining })
        net.blocks.eval()
        XCTAssertTrue(net.isTraining)
        XCTAssertFalse(net.blocks.children[1].module.isTraining)
    }

    func testTrainingModeUpdatesRunningStatsEvalDoesNot() throws {
        let net = try Net()
        let x = try Tensor.randn([2, 2, 4, 4], generator: RandomGenerator(seed: 1))
        let bn = try XCTUnwrap(net.blocks.children[0].module as? Block).bn
        _ = try net(x)
        let trainedMean = try bn.runningMean.toArray(of: Float.self)
        XCTAssertNotEqual(trainedMean, [0, 0])
        net.eval()
        let a = try net(x).toArray(of: Float.self)
        let b = try net(x).toArray(of: Float.self)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try bn.runningMean.toArray(of: Float.self), trainedMean)
    }

    func testFreeze() throws {
        let net = try Net()
        try net.blocks.freeze()
        XCTAssertEqual(net.trainableParameters().count, 3) // scale, head.weight, head.bias
        let x = try Tensor.randn([2, 2, 4, 4], generator: RandomGenerator(seed: 2))
        try net(x).sum().backward()
        XCTAssertNil(net.blocks.parameters()[0].grad)
        XCTAssertNotNil(net.head.weight.grad)
        try net.freeze(false)
        XCTAssertEqual(net.trainableParameters().count, net.parameters().count)
        try net.zeroGrad()
        XCTAssertTrue(net.parameters().allSatisfy { $0.grad == nil })
    }

    private func snapshot(_ m: Module) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for (name, t) in m.stateDict() { out[name] = try t.toArray(of: Double.self) }
        return out
    }

    private func sourceDict(from m: Module) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in m.stateDict() { out[name] = try t.detached().clone() }
        return out
    }

    func testLoadStateDictCopiesValues() throws {
        let a = try Net(seed: 1), b = try Net(seed: 2)
        XCTAssertNotEqual(try snapshot(a), try snapshot(b))
        try b.loadStateDict(try sourceDict(from: a))
        XCTAssertEqual(try snapshot(a), try snapshot(b))
        XCTAssertTrue(b.head.weight.requiresGrad, "loading keeps parameters trainable")
    }

    func testLoadStateDictShapeMismatchNamesKeyAndShapesAndModifiesNothing() throws {
        let target = try Net(seed: 2)
        let before = try snapshot(target)
        var source = try sourceDict(from: try Net(seed: 1))
        source["head.weight"] = try Tensor.zeros([3, 5])
        XCTAssertThrowsError(try target.loadStateDict(source)) { error in
            XCTAssertEqual(error as? StateDictError, .shapeMismatch(key: "head.weight", expected: [3, 2], got: [3, 5]))
            let text = "\(error)"
            XCTAssertTrue(text.contains("head.weight") && text.contains("[3, 2]") && text.contains("[3, 5]"), text)
        }
        XCTAssertEqual(try snapshot(target), before)
    }

    func testLoadStateDictMissingKey() throws {
        let target = try Net(seed: 2)
        let before = try snapshot(target)
        var source = try sourceDict(from: try Net(seed: 1))
        source["blocks.1.bn.running_var"] = nil
        XCTAssertThrowsError(try target.loadStateDict(source)) { error in
            XCTAssertEqual(error as? StateDictError, .missingKeys(["blocks.1.bn.running_var"], first: "blocks.1.bn.running_var"))
            XCTAssertTrue("\(error)".contains("blocks.1.bn.running_var"))
        }
        XCTAssertEqual(try snapshot(target), before)
        // Non-strict loading takes what is there.
        try target.loadStateDict(source, strict: false)
        XCTAssertEqual(try target.scale.toArray(of: Float.self), [1])
        XCTAssertEqual(try snapshot(target)["blocks.1.bn.running_var"], before["blocks.1.bn.running_var"])
        XCTAssertNotEqual(try snapshot(target)["head.weight"], before["head.weight"])
    }

    func testLoadStateDictUnexpectedKey() throws {
        let target = try Net(seed: 2)
        let before = try snapshot(target)
        var source = try sourceDict(from: try Net(seed: 1))
        source["blocks.2.conv.weight"] = try Tensor.zeros([1])
        XCTAssertThrowsError(try target.loadStateDict(source)) { error in
            XCTAssertEqual(error as? StateDictError, .unexpectedKeys(["blocks.2.conv.weight"]))
            XCTAssertTrue("\(error)".contains("blocks.2.conv.weight"))
        }
        XCTAssertEqual(try snapshot(target), before)
        try target.loadStateDict(source, ignoring: { $0.hasPrefix("blocks.2.") })
        XCTAssertEqual(try snapshot(target)["head.weight"], try snapshot(try Net(seed: 1))["head.weight"])
    }

    func testLayerDefaultsAndShapes() throws {
        let linear = try Linear(8, 4, generator: RandomGenerator(seed: 0))
        XCTAssertEqual(linear.weight.shape, [4, 8])
        let bound = 1 / Double(8).squareRoot()
        XCTAssertTrue(try linear.weight.toArray(of: Float.self).allSatisfy { Swift.abs(Double($0)) <= bound })
        XCTAssertEqual(try linear(Tensor.zeros([5, 8])).shape, [5, 4])
        let noBias = try Linear(3, 2, bias: false)
        XCTAssertNil(noBias.bias)
        XCTAssertEqual(noBias.stateDict().map(\.name), ["weight"])
        let conv = try Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, groups: 2)
        XCTAssertEqual(conv.weight.shape, [6, 2, 3, 3])
        XCTAssertEqual(try conv(Tensor.zeros([1, 4, 8, 8])).shape, [1, 6, 4, 4])
        XCTAssertThrowsError(try Conv2d(3, 6, kernelSize: 3, groups: 2))
        let embedding = try Embedding(10, 4, generator: RandomGenerator(seed: 0))
        XCTAssertEqual(try embedding(Tensor([Int64(1), 9])).shape, [2, 4])
        let same1 = try Linear(3, 3, generator: RandomGenerator(seed: 4)).weight.toArray(of: Float.self)
        let same2 = try Linear(3, 3, generator: RandomGenerator(seed: 4)).weight.toArray(of: Float.self)
        XCTAssertEqual(same1, same2)
    }
}
