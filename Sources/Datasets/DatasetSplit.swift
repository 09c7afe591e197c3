import Support
/// The deterministic per-class train/test split recorded in every manifest.
public enum DatasetSplit {
    public static let rule = "per class: shuffle the class's indices with SplitMix64(seed, stream: classIndex); " +
        "test = max(1, round_half_up(n / 10)) when n >= 2, else 0; the first `test` shuffled indices are test; both lists sorted"

    /// Number of test items for a class of `count` items: 10 % rounded half up, at least one when
    /// the class has two or more items (so every class is evaluated), none for a single item.
    public static func testCount(forClassOf count: Int) -> Int {
        count < 2 ? 0 : max(1, (count + 5) / 10)
    }

    /// Splits item indices by label; returns sorted train and test index lists.
    public static func split(labels: [Int], classCount: Int, seed: UInt64) -> (train: [Int], test: [Int]) {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() where label >= 0 && label < classCount {
            byClass[label].append(index)
        }
        var train: [Int] = [], test: [Int] = []
        for (classIndex, var members) in byClass.enumerated() {
            var rng = SplitMix64(seed: seed, stream: UInt64(classIndex))
            rng.shuffle(&members)
            let testCount = testCount(forClassOf: members.count)
            test += members[..<testCount]
            train += members[testCount...]
        }
        return (train.sorted(), test.sorted())
    }
}
