import CTorch

/// Hyper-parameters of Adam (torch.optim.Adam defaults).
public struct AdamConfig: Codable, Equatable, Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    public var amsgrad: Bool

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }
}

/// An optimizer whose state can be saved with the weights and restored exactly.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    func step() throws
    /// Named state tensors (moment estimates), keyed "<param index>.<name>", plus the step count.
    func stateDict() throws -> (tensors: [(name: String, tensor: Tensor)], step: Int)
    func loadStateDict(tensors: [String: Tensor], step: Int) throws
}

extension Optimizer {
    public func zeroGrad() throws {
        for p in parameters { try p.zeroGrad() }
        if let adam = self as? Adam { try adam.didZeroGrad?(adam) }
    }
}

/// Adam exactly as torch.optim.Adam (single-tensor path) computes it; the update runs in C++.
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var config: AdamConfig
    public private(set) var stepCount = 0
    private var expAvg: [Tensor]
    private var expAvgSq: [Tensor]
    private var maxExpAvgSq: [Tensor]
    /// Runs at the start of every `step` (data parallel: averages the gradients over the ranks), once:
    /// a caller that must see the final gradients before stepping (a loss scaler's overflow check) runs
    /// it early with `synchronizeGradients()`.
    public var willStep: ((Adam) throws -> Void)?
    /// Runs after `zeroGrad` (data parallel: a new accumulation starts, the gradient reducer's hooks arm).
    public var didZeroGrad: ((Adam) throws -> Void)?
    private var gradientsSynchronized = false

    public init(_ parameters: [Tensor], config: AdamConfig = AdamConfig()) throws {
        self.parameters = parameters
        self.config = config
        expAvg = try parameters.map { try Tensor.zeros($0.shape, dtype: $0.dtype, device: $0.device) }
        expAvgSq = try parameters.map { try Tensor.zeros($0.shape, dtype: $0.dtype, device: $0.device) }
        maxExpAvgSq = config.amsgrad ? try parameters.map { try Tensor.zeros($0.shape, dtype: $0.dtype, device: $0.device) } : []
    }

    /// Runs `willStep` now rather than at the start of the next `step` (which then skips it).
    public func synchronizeGradients() throws {
        guard !gradientsSynchronized else { return }
        try willStep?(self)
        gradientsSynchronized = true
    }

    /// Forgets gradients synchronised for a step that is not taken (a loss scaler's skipped step).
    public func skipStep() { gradientsSynchronized = false }

    public func step() throws {
        try synchronizeGradients()
        gradientsSynchronized = false
        stepCount += 1
        try withHandles(parameters) { p, n in
            try withHandles(expAvg) { m, _ in
                try withHandles(expAvgSq) { v, _ in
                    try withHandles(maxExpAvgSq) { vmax, _ in
                        try check(ct_adam_step(p, m, v, n, Int64(stepCount), config.learningRate, config.beta1,
                                               config.beta2, config.eps, config.weightDecay, config.amsgrad, vmax),
                                  "Adam.step")
                    }
                }
            }
        }
    }

    public func stateDict() throws -> (tensors: [(name: String, tensor: Tensor)], step: Int) {
        var out: [(String, Tensor)] = []
        for i in parameters.indices {
            out.append(("\(i).exp_avg", expAvg[i]))
            out.append(("\(i).exp_avg_sq", expAvgSq[i]))
            if config.amsgrad { out.append(("\(i).max_exp_avg_sq", maxExpAvgSq[i])) }
        }
        return (out, stepCount)
    }

    public func loadStateDict(tensors: [String: Tensor], step: Int) throws {
        for i in parameters.indices {
            var names = [("exp_avg", expAvg[i]), ("exp_avg_sq", expAvgSq[i])]
            if config.amsgrad { names.append(("max_exp_avg_sq", maxExpAvgSq[i])) }
            for (name, dst) in names {
                guard let src = tensors["\(i).\(name)"] else {
                    throw TorchError("Adam.loadStateDict", "missing state '\(i).\(name)'")
                }
                guard src.shape == dst.shape else {
                    throw TorchError("Adam.loadStateDict", "state '\(i).\(name)' has shape \(src.shape), parameter has \(dst.shape)")
                }
                try dst.copy_(from: src)
            }
        }
        stepCount = step
    }
}

/// SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public private(set) var stepCount = 0
    private var buffers: [Tensor]

    public init(_ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) throws {
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TorchError("SGD", "Nesterov momentum requires a momentum and zero dampening")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = momentum != 0 ? try parameters.map { try Tensor.zeros($0.shape, dtype: $0.dtype, device: $0.device) } : []
    }

    public func step() throws {
        try withHandles(parameters) { p, n in
            try withHandles(buffers) { b, _ in
                try check(ct_sgd_step(p, momentum != 0 ? b : nil, n, learningRate, momentum, dampening, weightDecay,
                                      nesterov, stepCount == 0), "SGD.step")
            }
        }
        stepCount += 1
    }

    public func stateDict() throws -> (tensors: [(name: String, tensor: Tensor)], step: Int) {
        (buffers.enumerated().map { ("\($0.offset).momentum_buffer", $0.element) }, stepCount)
    }

    public func loadStateDict(tensors: [String: Tensor], step: Int) throws {
        for (i, dst) in buffers.enumerated() {
            guard let src = tensors["\(i).momentum_buffer"], src.shape == dst.shape else {
                throw TorchError("SGD.loadStateDict", "missing or mis-shaped state '\(i).momentum_buffer'")
            }
            try dst.copy_(from: src)
        }
        stepCount = step
    }
}
