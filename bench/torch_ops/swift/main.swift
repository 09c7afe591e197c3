// torch-bench: the Swift half of bench/torch_ops/run.sh. Prints one "key value" line per figure
// (microseconds), matching torch_bench.py, so run.sh can put both side by side.
import Foundation
import Torch

let env = ProcessInfo.processInfo.environment
let opIterations = env["BENCH_OP_ITERS"].flatMap(Int.init) ?? 100_000
let convIterations = env["BENCH_CONV_ITERS"].flatMap(Int.init) ?? 10
let adamIterations = env["BENCH_ADAM_ITERS"].flatMap(Int.init) ?? 20

@inline(__always)
func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Microseconds per call of `body`, `iterations` times after a tenth as many warm-up calls.
func perOp(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<max(1, iterations / 10) { try body() }
    let start = now()
    for _ in 0..<iterations { try body() }
    return Double(now() - start) / 1e3 / Double(iterations)
}

/// Median microseconds of `body` over `iterations` after `warmup` calls.
func medianTime(_ iterations: Int, warmup: Int = 2, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<iterations {
        let start = now()
        try body()
        times.append(Double(now() - start) / 1e3)
    }
    return median(times)
}

func report(_ key: String, _ value: Double) { print(key, String(format: "%.3f", value)) }

/// (conv3x3 -> BatchNorm -> ReLU) twice.
final class ConvBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d

    init(_ channels: Int, generator: RandomGenerator) throws {
        conv1 = try Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn1 = try BatchNorm2d(channels)
        conv2 = try Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn2 = try BatchNorm2d(channels)
        super.init()
        registerModule("conv1", conv1)
        registerModule("bn1", bn1)
        registerModule("conv2", conv2)
        registerModule("bn2", bn2)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try bn2(conv2(bn1(conv1(x)).relu())).relu()
    }
}

do {
    report("threads", Double(Torch.threadCount))
    let generator = try RandomGenerator(seed: 0)

    // (a) Per-op overhead.
    let a = try Tensor([Float(1)]), b = try Tensor([Float(2)])
    report("add_1_us", try perOp(opIterations) { _ = try a + b })
    let r = try Tensor.randn([16], generator: generator)
    report("relu_16_us", try perOp(opIterations) { _ = try r.relu() })

    // (b) Forward + backward of a conv block, training mode.
    let block = try ConvBlock(64, generator: generator)
    block.train()
    let x = try Tensor.randn([8, 64, 64, 64], generator: generator)
    report("conv_block_fwd_bwd_us", try medianTime(convIterations) {
        try block.zeroGrad()
        try block(x).mean().backward()
    })

    // (c) Adam step over 1M parameters held in 1000 tensors.
    let params = try (0..<1000).map { _ in try Tensor.randn([1000], generator: generator).requiresGrad(true) }
    for p in params { try p.setGrad(Tensor.randn([1000], generator: generator)) }
    let adam = try Adam(params, config: AdamConfig(learningRate: 1e-3))
    report("adam_1M_step_us", try medianTime(adamIterations) { try adam.step() })
} catch {
    FileHandle.standardError.write("torch-bench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
