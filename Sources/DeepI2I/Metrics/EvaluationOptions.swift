import Foundation

/// Settings of one evaluation run.
public struct EvaluationOptions: Codable, Equatable, Sendable {
    /// Translations generated per target class.
    public var perClass: Int = 50
    public var seed: UInt64 = 0
    public var batchSize: Int = 32
    public var kidSubsets: Int = 100
    public var kidSubsetSize: Int = 1000
    /// FC: steps, batch and learning rate of the classifier trained on translations.
    public var fcIterations: Int = 300
    public var fcBatchSize: Int = 64
    public var fcLearningRate: Double = 0.05
    public var fcArch: ClassifierArch = .resnet18Small

    public init() {}
}
