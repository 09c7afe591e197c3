import Foundation
import Torch

/// Where each dataset class's embedding lives in an imported model. A class that starts from one source
/// row uses that row; a class that starts from the mean of several rows (or from a row an earlier class
/// took) gets its own row, appended after the source GAN's, holding that mean in both class embeddings
/// (G's `shared` and D's projection `embed`). Every consumer (translation, training, D) then keeps indexing rows through `classRows`,
/// and the per-class embedding is trained like any other row.
public struct ClassEmbeddingLayout: Equatable, Sendable {
    /// The source GAN's row count.
    public let sourceRows: Int
    /// The model row of each class.
    public let classRows: [Int]
    /// Source rows averaged into each appended row, in order (appended row i is `sourceRows + i`).
    public let appended: [[Int]]
    /// The classes with `embeddingRow` filled in.
    public let classes: [ClassInit]

    public init(_ classes: [ClassInit], sourceRows: Int) throws {
        self.sourceRows = sourceRows
        var appended: [[Int]] = []
        var placed: [ClassInit] = []
        var used = Set<Int>()
        for var found in classes {
            guard !found.rows.isEmpty else { throw ModelError.badInput("class '\(found.name)' starts from no rows") }
            if let bad = found.rows.first(where: { $0 < 0 || $0 >= sourceRows }) {
                throw ModelError.badInput("class '\(found.name)' starts from row \(bad), outside the source's \(sourceRows) rows")
            }
            if found.rows.count == 1, !used.contains(found.rows[0]) {
                found.embeddingRow = found.rows[0]
            } else {
                // Averaged classes, and a second class on a row already taken, get a row of their own,
                // so that training can move each class's embedding separately.
                found.embeddingRow = sourceRows + appended.count
                appended.append(found.rows)
            }
            used.insert(found.embeddingRow!)
            placed.append(found)
        }
        self.appended = appended
        self.classes = placed
        classRows = placed.map { $0.embeddingRow! }
    }

    /// The model's row count.
    public var modelRows: Int { sourceRows + appended.count }

    /// `config` (the source GAN's, `sourceRows` rows) with the classes' names, rows and row count.
    public func apply(to config: ModelConfig) -> ModelConfig {
        var config = config
        config.classNames = classes.map(\.name)
        config.classRows = classRows
        config.classCount = modelRows
        return config
    }

    /// `weight` ([sourceRows, ...] along `dim`) with one appended slice per appended class: the mean
    /// of its source slices. Used for embedding weights (dim 0) and spectral-norm vectors u (dim 1).
    public func expand(_ weight: Tensor, dim: Int = 0) throws -> Tensor {
        guard !appended.isEmpty else { return weight }
        guard weight.size(dim) == sourceRows else {
            throw ModelError.checkpoint("class embedding has \(weight.size(dim)) rows, expected \(sourceRows)")
        }
        let means = try appended.map { rows in
            try weight.indexSelect(dim: dim, index: Tensor(rows.map(Int64.init), device: weight.device))
                .mean(dims: [dim], keepDim: true)
        }
        return try Tensor.cat([weight] + means, dim: dim)
    }
}
