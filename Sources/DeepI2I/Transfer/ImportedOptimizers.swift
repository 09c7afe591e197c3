import CheckpointFormats
import Foundation
import Torch

/// BigGAN-PyTorch's Adam states (`G_optim.pth`, `D_optim.pth`: `torch.optim.Adam.state_dict()`, legacy or
/// zip format), which the official DeepI2I run loads with the pretrained weights (`--resume_BigGAN`).
/// `import-biggan --optimizers` keeps them beside the model as `optimizers.safetensors`
/// (`G.<key>.exp_avg`, `G.<key>.exp_avg_sq`, ...; the step counts in its metadata), and `train` starts G's
/// and D's Adam from them when they are there.
public enum ImportedOptimizers {
    public static let fileName = "optimizers.safetensors"

    /// One network's Adam state by official parameter key.
    public struct State {
        public var step: Int
        public var moments: [(name: String, expAvg: Tensor, expAvgSq: Tensor)]

        public init(step: Int, moments: [(name: String, expAvg: Tensor, expAvgSq: Tensor)]) {
            self.step = step
            self.moments = moments
        }
    }

    /// Reads an Adam state dict. Its states are keyed by parameter ids whose order in `param_groups`
    /// is the optimizer's parameter order; as PyTorch's `load_state_dict`, the k-th id belongs to the
    /// k-th of `parameterNames` (the network's `parameters()` order = its state-dict order without buffers).
    public static func read(_ url: URL, parameterNames: [String], parameterShapes: [String: [Int]]) throws -> State {
        let contents: TorchCheckpointContents
        do { contents = try TorchCheckpoint.load(url) } catch {
            throw ModelError.checkpoint("cannot read optimizer state \(url.path): \(describe(error))")
        }
        var ids: [Int] = []
        var group = 0
        while true {
            let prefix = "param_groups.\(group).params."
            let mine = contents.scalars.compactMap { k, v -> (Int, Int)? in
                guard k.hasPrefix(prefix), let j = Int(k.dropFirst(prefix.count)) else { return nil }
                return (j, Int(v))
            }
            if mine.isEmpty { break }
            ids += mine.sorted { $0.0 < $1.0 }.map(\.1)
            group += 1
        }
        guard !ids.isEmpty else {
            throw ModelError.checkpoint("\(url.path) is not a torch.optim state dict (no param_groups with params)")
        }
        guard ids.count == parameterNames.count else {
            throw ModelError.checkpoint("\(url.path) holds the state of \(ids.count) parameters, the network has \(parameterNames.count)")
        }
        let tensors = Dictionary(contents.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var step = 0
        var moments: [(String, Tensor, Tensor)] = []
        for (id, name) in zip(ids, parameterNames) {
            let p = "state.\(id)."
            guard let m = tensors[p + "exp_avg"], let v = tensors[p + "exp_avg_sq"] else { continue }  // never stepped
            let shape = parameterShapes[name] ?? []
            // A class embedding may have rows appended after BigGAN's (classes that start from the mean of
            // several rows, `--class-map semantic`): their moments start as the mean of the imported rows'.
            let appendsClassRows = isClassEmbedding(name) && m.shape == v.shape && m.shape.count == 2 && shape.count == 2
                && m.shape[1] == shape[1] && m.shape[0] < shape[0]
            guard (m.shape == shape && v.shape == shape) || appendsClassRows else {
                throw ModelError.checkpoint("\(url.path): state \(id) has shape \(m.shape), parameter \(name) has \(shape) (not an optimizer of this network?)")
            }
            if let s = contents.scalars[p + "step"] {
                step = max(step, Int(s))
            } else if let t = tensors[p + "step"] {
                step = max(step, Int(try Tensor(host: t).to(dtype: .f64).item()))
            }
            var first = try Tensor(host: m).to(dtype: .f32), second = try Tensor(host: v).to(dtype: .f32)
            if appendsClassRows {
                first = try extendRows(first, to: shape[0])
                second = try extendRows(second, to: shape[0])
            }
            moments.append((name, first, second))
        }
        return State(step: step, moments: moments)
    }

    /// G's shared class embedding and D's projection embedding: the parameters an import may give extra rows.
    static func isClassEmbedding(_ name: String) -> Bool { name == "shared.weight" || name == "embed.weight" }

    /// `rows` rows: the given ones, then copies of their mean.
    static func extendRows(_ t: Tensor, to rows: Int) throws -> Tensor {
        let extra = try t.mean(dims: [0], keepDim: true).expand([rows - t.shape[0], t.shape[1]])
        return try Tensor.cat([t, extra], dim: 0).contiguous()
    }

    /// Writes the states of networks "G" and "D" into `directory`/optimizers.safetensors.
    public static func write(_ states: [String: State], to directory: URL) throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        var metadata: [String: String] = [:]
        for (network, state) in states.sorted(by: { $0.key < $1.key }) {
            metadata["\(network).step"] = String(state.step)
            for m in state.moments {
                tensors.append(("\(network).\(m.name).exp_avg", m.expAvg))
                tensors.append(("\(network).\(m.name).exp_avg_sq", m.expAvgSq))
            }
        }
        try StateDictFile.write(tensors, metadata: metadata, to: directory.appendingPathComponent(fileName))
    }

    /// Imports G's and D's Adam states into the model directory `directory`. Parameter order: the weights
    /// files' key order (a torch state dict's order) restricted to the network's parameters.
    public static func importStates(generatorOptimizer: URL, discriminatorOptimizer: URL, generatorWeights: URL,
                                    discriminatorWeights: URL, model: DeepI2IModel, into directory: URL) throws -> [String: State] {
        func state(_ optimizerURL: URL, _ weights: URL, _ network: Module) throws -> State {
            let shapes = Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.tensor.shape) })
            let order = try StateDictFile.readHost(weights).map(\.name).filter { shapes[$0] != nil }
            return try read(optimizerURL, parameterNames: order, parameterShapes: shapes)
        }
        let states = ["G": try state(generatorOptimizer, generatorWeights, model.generator),
                      "D": try state(discriminatorOptimizer, discriminatorWeights, model.discriminator)]
        try write(states, to: directory)
        return states
    }

    /// Where a run's starting weights keep imported optimizer states (the model or GAN directory).
    static func source(_ config: TrainingConfig) -> URL? {
        switch config.initialisation {
        case .model(let directory): return URL(fileURLWithPath: directory)
        case .transfer(let directory, _): return URL(fileURLWithPath: directory)
        case .scratch: return nil
        }
    }

    /// Starts G's and D's Adam of a new run from the imported states, as the official run does; says
    /// which it used, or that it starts fresh.
    public static func apply(_ config: TrainingConfig, to step: DeepI2IStep, log: (String) -> Void) throws {
        guard let dir = source(config) else { return }
        let url = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            log("\(dir.path) has no optimizer states (import-biggan --optimizers G_optim.pth D_optim.pth): G and D start with fresh Adam")
            return
        }
        let (hostTensors, metadata) = try Safetensors.read(url)
        var file: [String: Tensor] = [:]
        for (name, t) in hostTensors { file[name] = try Tensor(host: t) }
        var parts = TransferParts.all
        if case .transfer(_, let p) = config.initialisation { parts = p }
        var used: [String] = []
        for (network, module, optimizer, transferred) in [("G", step.model.generator as Module, step.generatorOptimizer, parts.generator),
                                                          ("D", step.model.discriminator, step.discriminatorOptimizer, parts.discriminator)]
        where transferred {
            guard let stepText = metadata["\(network).step"], let count = Int(stepText) else { continue }
            var own: [String: Tensor] = [:]
            for (i, (name, p)) in module.namedParameters().enumerated() {
                let m = try file["\(network).\(name).exp_avg"] ?? Tensor.zeros(p.shape)
                let v = try file["\(network).\(name).exp_avg_sq"] ?? Tensor.zeros(p.shape)
                own["\(i).exp_avg"] = try m.to(p.device)
                own["\(i).exp_avg_sq"] = try v.to(p.device)
            }
            do { try optimizer.loadStateDict(tensors: own, step: count) } catch {
                throw TrainingError.checkpoint("\(url.path) does not fit \(network): \(describe(error))")
            }
            used.append("\(network) at step \(count)")
        }
        log("Adam states from \(url.path): " + (used.isEmpty ? "none applicable, fresh Adam" : used.joined(separator: ", ")))
    }
}
