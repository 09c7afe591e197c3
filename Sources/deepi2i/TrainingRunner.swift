import Datasets
import DeepI2I
import Foundation

/// Runs a training command's run folder, which grows in place for hours: under `--overwrite`
/// (`plan == .replace`) the old folder waits aside until the new run completes, is put back when the run
/// fails, and stays aside (reported) when the run is interrupted. Shared by train, pretrain-gan and
/// pretrain-stylegan. `leader` false (a data-parallel rank other than 0) prints nothing at the end.
enum TrainingRunner {
    static func run(at url: URL, plan: OutputFolder.Plan?, out: String, kind: String = "run", leader: Bool = true,
                    completed: (_ iterations: Int, _ seconds: Int) -> String,
                    interrupted: (_ iteration: Int, _ checkpoint: String) -> String,
                    _ body: (StopSignal) throws -> TrainingOutcome) throws {
        let aside = plan == .replace ? try OutputFolder.setAside(url) : nil
        if let aside { printError("the previous \(kind) is kept at \(aside.aside.path) until the new one has finished") }
        let start = Date()
        let outcome: TrainingOutcome
        do {
            outcome = try StopSignal.listening(body)
        } catch {
            if let aside {
                do { try aside.restore() } catch { printError("the previous \(kind) is kept at \(aside.aside.path)") }
            }
            throw error
        }
        guard leader else { return }
        switch outcome {
        case .completed(let n):
            aside?.discard()
            print(completed(n, Int(Date().timeIntervalSince(start))))
        case .interrupted(let n, let checkpoint):
            print(interrupted(n, checkpoint))
            // Not finished: the replaced folder stays where the user can still take it back.
            if let aside { print("the previous \(kind) is kept at \(aside.aside.path) (remove it, or move it back to \(out))") }
        }
    }
}
