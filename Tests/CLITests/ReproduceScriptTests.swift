import Foundation
import XCTest

/// `scripts/reproduce.sh` (issue #15) keeps a study that spans sessions: finished results go to the record
/// in git (STORE), a lost work folder is rebuilt from it without retraining, a failed evaluation publishes
/// nothing, a changed budget is refused, and parallel workers train each run once. The real training takes
/// hours, so a stand-in `deepi2i` (DEEPI2I=...) logs each command and writes the files the real one writes;
/// the script's own logic runs unchanged.
final class ReproduceScriptTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else {
            throw XCTSkip("needs /usr/bin/python3 and flock")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ReproduceScriptTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stub = folder.appendingPathComponent("deepi2i")
        try Self.stub.write(to: stub, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The stand-in: one line per command in $STUB_LOG, then the outputs that reproduce.sh looks for.
    static let stub = #"""
    #!/bin/bash
    echo "$*" >> "$STUB_LOG"
    cmd=$1; shift
    out=
    while [ $# -gt 0 ]; do case $1 in --out) out=$2; shift ;; esac; shift; done
    case $cmd in
        prepare) mkdir -p "$out" ;;
        pretrain-gan) mkdir -p "$out/samples"; echo g > "$out/G_ema.safetensors"; echo d > "$out/D.safetensors"
            echo '{}' > "$out/run.json"; echo png > "$out/samples/iter-0000002.png"; echo '{}' > "$out/gan.json" ;;
        train-classifier) mkdir -p "$out"; echo c > "$out/weights.safetensors"; echo '{}' > "$out/classifier.json" ;;
        train) sleep 0.3; [ "$out" != "$STUB_FAIL_TRAIN" ] || { echo "stub: $out fails" >&2; exit 3; }
            mkdir -p "$out/model" "$out/samples"; echo png > "$out/samples/iter-0000002.png" ;;
        evaluate) [ -z "$STUB_FAIL_EVALUATE" ] || exit 3
            mkdir -p "$out"
            echo '{"summary": {"mFID": 100, "mKID": 0.1, "RC": 0.5, "FC": 0.5, "mask-IoU": 0.3}}' > "$out/metrics.json" ;;
        tsne) [ -z "$STUB_FAIL_TSNE" ] || { echo "stub: tsne fails" >&2; exit 3; }
            mkdir -p "$out"; echo png > "$out/tsne.png"
            echo '{"points": [{"x": 0, "y": 0, "inputClass": 0}, {"x": 1, "y": 1, "inputClass": 1}], "targetClass": "cat",
                   "features": "f", "divergence": 0.5, "options": {"tsne": {"pcaDimensions": 2, "perplexity": 1, "iterations": 1}}}' \
                > "$out/tsne.json" ;;
        *) echo "unexpected command $cmd" >&2; exit 1 ;;
    esac
    """#

    var work: URL { folder.appendingPathComponent("work") }
    var store: URL { folder.appendingPathComponent("store") }

    /// Runs reproduce.sh on `arguments`; returns its status, its output and the stand-in's command lines.
    func reproduce(_ arguments: [String], environment extra: [String: String] = [:]) throws
        -> (status: Int32, output: String, commands: [String]) {
        let log = folder.appendingPathComponent("commands-\(UUID().uuidString).log")
        var environment = ProcessInfo.processInfo.environment
        // The study's settings come from the environment: none of the caller's may leak in.
        for key in ["RES", "CH", "GAN_ITERS", "ITERS", "P1", "BATCH", "FEW", "SEEDS", "EVAL_PER_CLASS", "FC_ITERS",
                    "CLS_ITERS", "TSNE_COUNT", "THREADS", "STUB_FAIL_EVALUATE", "STUB_FAIL_TRAIN",
                    "STUB_FAIL_TSNE"] {
            environment[key] = nil
        }
        environment.merge([
            "JOBS": "1",
            "DEEPI2I": folder.appendingPathComponent("deepi2i").path, "STUB_LOG": log.path,
            "W": work.path, "STORE": store.path,
            "REPORT": folder.appendingPathComponent("reproduction.md").path, "REPORT_ARGS": "--no-images",
            "SCARCE_SEEDS": "0",
        ]) { _, new in new }
        environment.merge(extra) { _, new in new }
        let (status, output) = try CLI.runProgram("/bin/bash", [CLI.root.appendingPathComponent("scripts/reproduce.sh").path] + arguments,
                                                  environment: environment)
        let commands = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        return (status, output, commands)
    }

    func exists(_ url: URL, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(path).path)
    }

    func trained(_ commands: [String]) -> [String] {
        commands.filter { $0.hasPrefix("train --out ") }.map { $0.split(separator: " ")[2] }.map(String.init)
    }

    func testRecordSurvivesALostWorkFolderAndAFailedEvaluation() throws {
        // 1. The evaluation fails: the GAN and classifier are recorded, the run's metrics are not.
        let first = try reproduce(["few-transfer"], environment: ["STUB_FAIL_EVALUATE": "1"])
        XCTAssertNotEqual(first.status, 0, first.output)
        XCTAssertTrue(first.commands.contains { $0.hasPrefix("pretrain-gan --data fashion64 --out gan ") }, "\(first.commands)")
        for path in ["gan/gan.json", "gan/G_ema.safetensors", "gan/D.safetensors", "gan/samples/iter-0000002.png",
                     "classifier/classifier.json", "classifier/weights.safetensors", "budget.txt"] {
            XCTAssertTrue(exists(store, path), path)
        }
        XCTAssertFalse(exists(store, "eval/few-transfer-s0/metrics.json"), "a failed evaluation publishes nothing")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("gan").path)
            .contains { $0.hasSuffix(".tmp") }, "no temporary copies left in the record")

        // 2. Again: the trained model is kept, only the evaluation runs, and the result is recorded.
        let second = try reproduce(["few-transfer"])
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertEqual(second.commands.map { $0.split(separator: " ")[0] }, ["evaluate"], "\(second.commands)")
        XCTAssertTrue(exists(store, "eval/few-transfer-s0/metrics.json"))
        XCTAssertTrue(exists(store, "few-transfer-s0/samples/iter-0000002.png"), "the first seed's last sheet")

        // 3. The work folder is lost (a fresh clone): GAN and classifier come back from the record, the
        //    recorded run is not trained again, only the new one is.
        try FileManager.default.removeItem(at: work)
        let third = try reproduce(["few-transfer", "few-scratch"])
        XCTAssertEqual(third.status, 0, third.output)
        XCTAssertTrue(third.output.contains("gan: restored from the study record"), third.output)
        XCTAssertFalse(third.commands.contains { $0.hasPrefix("pretrain-gan") || $0.hasPrefix("train-classifier") },
                       "\(third.commands)")
        XCTAssertEqual(trained(third.commands), ["few-scratch-s0"])
        XCTAssertTrue(exists(work, "gan/G_ema.safetensors") && exists(work, "classifier/weights.safetensors"))
        let report = try String(contentsOf: folder.appendingPathComponent("reproduction.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("Finished and evaluated: few-scratch-s0, few-transfer-s0."), report)
        XCTAssertTrue(report.contains("Source GAN: finished."), report)

        // 4. Another budget in the same folders is refused before anything runs.
        let other = try reproduce(["few-transfer"], environment: ["ITERS": "5"])
        XCTAssertEqual(other.status, 2, other.output)
        XCTAssertTrue(other.output.contains("use the same settings, or another W= and STORE= folder"), other.output)
        XCTAssertTrue(other.commands.isEmpty, "\(other.commands)")
    }

    func testParallelWorkersTrainEachRunOnce() throws {
        let result = try reproduce(["scarcity"], environment: ["JOBS": "2", "SCARCE_SEEDS": "0 1 2"])
        XCTAssertEqual(result.status, 0, result.output)
        let runs = trained(result.commands)
        XCTAssertEqual(runs.sorted(), ["few-scratch-s0", "few-scratch-s1", "few-scratch-s2",
                                       "few-transfer-s0", "few-transfer-s1", "few-transfer-s2"], "\(result.commands)")
        XCTAssertEqual(result.commands.filter { $0.hasPrefix("evaluate ") }.count, 6)
        XCTAssertEqual(result.commands.filter { $0.hasPrefix("pretrain-gan ") }.count, 1)
        for run in runs { XCTAssertTrue(exists(store, "eval/\(run)/metrics.json"), run) }
        // Only the first seed's sheet goes to the record.
        XCTAssertTrue(exists(store, "few-scratch-s0/samples/iter-0000002.png"))
        XCTAssertFalse(exists(store, "few-scratch-s1"))
    }

    /// One run that fails does not stop the study: the other runs (on both workers) train and are recorded,
    /// the study exits 1 naming the failed run, and the next call trains only that one.
    func testAFailedRunIsReportedAndTheOthersGoOn() throws {
        let env = ["JOBS": "2", "SCARCE_SEEDS": "0 1"]
        let first = try reproduce(["scarcity"], environment: env.merging(["STUB_FAIL_TRAIN": "few-transfer-s0"]) { _, b in b })
        XCTAssertEqual(first.status, 1, first.output)
        XCTAssertTrue(first.output.contains("failed runs (see their output; the next call tries them again): few-transfer-s0"),
                      first.output)
        XCTAssertEqual(trained(first.commands).sorted(), ["few-scratch-s0", "few-scratch-s1", "few-transfer-s0", "few-transfer-s1"])
        for run in ["few-scratch-s0", "few-scratch-s1", "few-transfer-s1"] {
            XCTAssertTrue(exists(store, "eval/\(run)/metrics.json"), run)
        }
        XCTAssertFalse(exists(store, "eval/few-transfer-s0/metrics.json"))
        XCTAssertFalse(first.commands.contains("evaluate --model few-transfer-s0/model") , "\(first.commands)")
        let report = try String(contentsOf: folder.appendingPathComponent("reproduction.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("Finished and evaluated: few-scratch-s0, few-scratch-s1, few-transfer-s1."), report)

        let second = try reproduce(["scarcity"], environment: env)
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertEqual(trained(second.commands), ["few-transfer-s0"], "\(second.commands)")
        XCTAssertTrue(exists(store, "eval/few-transfer-s0/metrics.json"))
        XCTAssertFalse(second.output.contains("failed runs"), second.output)
    }

    /// A failed t-SNE goes the same way: the runs after it in the list still train, the study exits 1
    /// naming it, nothing of it is recorded, and the next call makes it without training anything again.
    func testAFailedTSNEIsReportedAndTheRunsAfterItGoOn() throws {
        let env = ["SEEDS": "0"]
        let first = try reproduce(["tsne", "w16"], environment: env.merging(["STUB_FAIL_TSNE": "1"]) { _, b in b })
        XCTAssertEqual(first.status, 1, first.output)
        XCTAssertTrue(first.output.contains("FAILED: tsne"), first.output)
        XCTAssertTrue(first.output.contains("failed runs (see their output; the next call tries them again): tsne"), first.output)
        XCTAssertEqual(trained(first.commands), ["full-s0", "w16-s0"], "\(first.commands)")
        XCTAssertTrue(exists(store, "eval/w16-s0/metrics.json"), "the run after the failed t-SNE is recorded")
        XCTAssertFalse(exists(store, "tsne"))

        let second = try reproduce(["tsne", "w16"], environment: env)
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertEqual(second.commands.map { String($0.split(separator: " ")[0]) }, ["tsne"], "\(second.commands)")
        XCTAssertTrue(exists(store, "tsne/tsne.json") && exists(store, "tsne/tsne.png"))
        let report = try String(contentsOf: folder.appendingPathComponent("reproduction.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("2 translations into 'cat'"), report)
    }
}
