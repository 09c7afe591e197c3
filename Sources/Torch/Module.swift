/// A network component that owns named parameters, buffers and child modules, like torch.nn.Module.
/// Names are registered explicitly, so `stateDict()` keys equal the PyTorch state-dict keys of the
/// same architecture (e.g. `blocks.0.0.conv1.weight`), and loading a checkpoint is a dictionary walk.
open class Module {
    public private(set) var isTraining = true
    private var parameterEntries: [(name: String, tensor: Tensor)] = []
    private var bufferEntries: [(name: String, tensor: Tensor)] = []
    private var childEntries: [(name: String, module: Module)] = []

    public init() {}

    // MARK: Registration

    /// Registers a trainable tensor under `name`; returns it for assignment to a stored property.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) throws -> Tensor {
        try tensor.requiresGrad(true)
        parameterEntries.append((name, tensor))
        return tensor
    }

    /// Registers persistent state that is saved but not trained (running statistics, SN vectors).
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor) -> Tensor {
        bufferEntries.append((name, tensor))
        return tensor
    }

    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        childEntries.append((name, module))
        return module
    }

    // MARK: Traversal

    public var children: [(name: String, module: Module)] { childEntries }

    /// Every module in the tree with its dotted path ("" for self).
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (name, child) in childEntries {
            out += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
        }
        return out
    }

    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        walk(prefix) { $0.parameterEntries }
    }

    public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        walk(prefix) { $0.bufferEntries }
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Parameters that currently require gradients.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Parameters then buffers of each module, depth first: PyTorch's state_dict order.
    public func stateDict(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for (name, t) in parameterEntries { out.append((join(prefix, name), t)) }
        for (name, t) in bufferEntries { out.append((join(prefix, name), t)) }
        for (name, child) in childEntries { out += child.stateDict(prefix: join(prefix, name)) }
        return out
    }

    private func walk(_ prefix: String, _ entries: (Module) -> [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        var out = entries(self).map { (join(prefix, $0.name), $0.tensor) }
        for (name, child) in childEntries { out += child.walk(join(prefix, name), entries) }
        return out
    }

    private func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }

    // MARK: Loading

    /// Copies tensors into this module's parameters and buffers by name (no autograd recording).
    /// - strict: every key of the module must be present, and every key given must belong to the module.
    /// - ignoring: keys of the source that are accepted and dropped (e.g. unused heads).
    /// Shapes must match exactly; the error names the first offending key and both shapes. Nothing is
    /// modified unless every check passes.
    public func loadStateDict(_ source: [String: Tensor], strict: Bool = true,
                              ignoring ignored: (String) -> Bool = { _ in false }) throws {
        let own = stateDict()
        var missing: [String] = []
        for (name, tensor) in own {
            guard let src = source[name] else { missing.append(name); continue }
            if src.shape != tensor.shape {
                throw StateDictError.shapeMismatch(key: name, expected: tensor.shape, got: src.shape)
            }
        }
        if strict {
            if let first = missing.first {
                throw StateDictError.missingKeys(missing, first: first)
            }
            let ownNames = Set(own.map(\.name))
            let unexpected = source.keys.filter { !ownNames.contains($0) && !ignored($0) }.sorted()
            if !unexpected.isEmpty { throw StateDictError.unexpectedKeys(unexpected) }
        }
        for (name, tensor) in own {
            if let src = source[name] { try tensor.copy_(from: src) }
        }
    }

    // MARK: Modes

    /// Training mode (batch statistics, SN vector updates) or evaluation mode, recursively.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in childEntries { child.train(on) }
    }

    public func eval() { train(false) }

    /// Stops (or restarts) gradient computation for every parameter.
    public func freeze(_ frozen: Bool = true) throws {
        for p in parameters() { try p.requiresGrad(!frozen) }
    }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.elementCount } }

    /// Moves every parameter and buffer to `device` in place (their identity is kept, so optimizers
    /// holding them stay valid).
    public func to(_ device: Device) throws {
        for (_, t) in stateDict() where t.device != device {
            try t.setData(try t.detached().to(device))
        }
    }

    /// Drops accumulated gradients.
    public func zeroGrad() throws {
        for p in parameters() { try p.zeroGrad() }
    }
}

public enum StateDictError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(key: String, expected: [Int], got: [Int])
    case missingKeys([String], first: String)
    case unexpectedKeys([String])

    public var description: String {
        switch self {
        case let .shapeMismatch(key, expected, got):
            return "shape mismatch for '\(key)': the model has \(expected), the checkpoint has \(got)"
        case let .missingKeys(keys, first):
            return "checkpoint lacks \(keys.count) key(s) of the model, first '\(first)'"
        case let .unexpectedKeys(keys):
            let shown = keys.prefix(5).joined(separator: ", ")
            return "checkpoint has \(keys.count) key(s) the model does not: \(shown)\(keys.count > 5 ? ", ..." : "")"
        }
    }
}
