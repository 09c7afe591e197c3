import ArgumentParser
import DeepI2I
import Foundation
import Torch

struct ReferenceCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference-check",
        abstract: "Run a reference folder (shared/golden format) through our networks and compare every output.",
        discussion: "Exit status 0 only when every comparison is within the reference README's tolerances."
    )

    @Argument(help: "Reference folder: network vectors (config.json, G/D/E/A weights, cases, grads, buffers) or a training trajectory (config.json family biggan-trajectory).")
    var folder: String

    @Flag(help: "Print only failures and the summary.")
    var quiet = false
    @OptionGroup var device: DeviceOptions

    func run() throws {
        let url = URL(fileURLWithPath: folder)
        var failed = 0
        var noise = 0
        let report = { (c: ReferenceComparison) in
            if !c.passed { failed += 1 }
            if c.passed && !c.strictlyPassed { noise += 1 }
            if !quiet || !c.strictlyPassed {
                let status = c.strictlyPassed ? "PASS " : c.passed ? "NOISE" : "FAIL "
                print("\(status)  \(c.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(c.name.padding(toLength: 60, withPad: " ", startingAt: 0)) error \(String(format: "%.3e", c.error))  (tolerance \(String(format: "%.0e", c.tolerance)))\(c.noiseFloorNote.map { "  [\($0)]" } ?? "")")
            }
        }
        let results: [ReferenceComparison]
        let device = try self.device.resolved()
        switch try ReferenceFamily.of(folder: url) {
        case .biggan:
            var check = try ReferenceCheck(folder: url)
            check.device = device
            results = try check.run(report: report)
        case .stylegan:
            var check = try StyleGANReferenceCheck(folder: url)
            check.device = device
            results = try check.run(report: report)
        case .trajectory:
            guard device == .cpu else { throw CommandFailure("the trajectory check runs on the CPU only (no --device)") }
            results = try TrajectoryCheck(folder: url).run(report: report)
        }
        print("\(results.count - failed)/\(results.count) comparisons within tolerance"
              + (noise > 0 ? " (\(noise) of them only within the platform-noise allowance, see TrajectoryCheck)" : ""))
        if failed > 0 { throw ExitCode(1) }
    }
}
