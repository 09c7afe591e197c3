import ArgumentParser
import DeepI2I
import Foundation

struct ReferenceCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference-check",
        abstract: "Run a reference folder (shared/golden format) through our networks and compare every output.",
        discussion: "Exit status 0 only when every comparison is within the reference README's tolerances."
    )

    @Argument(help: "Reference folder with config.json, G/D/E/A weights, cases, grads and buffers.")
    var folder: String

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    func run() throws {
        let url = URL(fileURLWithPath: folder)
        let check = try ReferenceCheck(folder: url)
        var failed = 0
        let results = try check.run { c in
            if !c.passed { failed += 1 }
            if !quiet || !c.passed {
                let status = c.passed ? "PASS" : "FAIL"
                print("\(status)  \(c.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(c.name.padding(toLength: 48, withPad: " ", startingAt: 0)) error \(String(format: "%.3e", c.error))  (tolerance \(String(format: "%.0e", c.tolerance)))")
            }
        }
        print("\(results.count - failed)/\(results.count) comparisons within tolerance")
        if failed > 0 { throw ExitCode(1) }
    }
}
