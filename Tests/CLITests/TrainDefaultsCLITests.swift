import Foundation
import XCTest

/// `train`'s defaults against the official run's flags (../shared/spec/official-model.md, "Losses and
/// training as coded", and the authors' scripts/DeepI2I.sh: --batch_size 4 --num_D_accumulations 8
/// --num_G_accumulations 8 --G_lr 1e-4 --D_lr 4e-4 --G_B2/--D_B2 0.999 (B1 0) --adam_eps 1e-6 --G_ch 96
/// --D_ch 96 --seed 0, 1000 class rows, phase 1 for 500 iterations, MSE reconstruction, lambdas 1).
final class TrainDefaultsCLITests: XCTestCase {
    /// Official flag -> (our config key path in `--print-config` JSON, value).
    static let official: [(flag: String, key: String, value: Any)] = [
        ("batch_size 4 x num_D_accumulations 8", "batchSize", 32),
        ("num_D_accumulations / num_G_accumulations 8", "accumulate", 8),
        ("G_lr 1e-4", "generatorLR", 1e-4),
        ("D_lr 4e-4", "discriminatorLR", 4e-4),
        ("A lr = D_lr 4e-4", "adaptorLR", 4e-4),
        ("G_B1 / D_B1 0", "beta1", 0.0),
        ("G_B2 / D_B2 0.999", "beta2", 0.999),
        ("adam_eps 1e-6", "adamEps", 1e-6),
        ("phase 1 (stage 1) 500 iterations", "phase1Iterations", 500),
        ("seed 0", "seed", 0),
        ("MSE reconstruction (losses.py)", "reconstructionDistance", "mse"),
        ("lambda_adv 1", "adversarialWeight", 1.0),
        ("lambda_rec 1", "reconstructionWeight", 1.0),
        ("second loader for D's reals (train.py)", "discriminatorReals", "independent"),
        ("A under --resume's skip_init: PyTorch default init", "adaptorInitialisation", "pytorch"),
    ]

    func printConfig(_ extra: [String]) throws -> [String: Any] {
        let r = try CLI.run(["train", "--data", "/nonexistent/data", "--out", "/nonexistent/run", "--print-config"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    func testDefaultsAreTheOfficialRun() throws {
        let config = try printConfig(["--from", "/nonexistent/gan"])
        for (flag, key, value) in Self.official {
            let got = try XCTUnwrap(config[key], "\(key) missing (\(flag))")
            switch value {
            case let v as Int: XCTAssertEqual((got as? NSNumber)?.intValue, v, "\(key) vs official \(flag)")
            case let v as Double: XCTAssertEqual(try XCTUnwrap((got as? NSNumber)?.doubleValue), v, accuracy: v * 1e-12, "\(key) vs official \(flag)")
            case let v as String: XCTAssertEqual(got as? String, v, "\(key) vs official \(flag)")
            default: XCTFail("table entry \(key)")
            }
        }
        // The one deliberate deviation in the loss: the intended pairing unless asked for the official one.
        XCTAssertNotEqual(config["officialReconPairing"] as? Bool, true)
        let official = try printConfig(["--from", "/nonexistent/gan", "--official-recon-pairing", "--d-reals", "inputs",
                                        "--adaptor-init", "orthogonal"])
        XCTAssertEqual(official["officialReconPairing"] as? Bool, true)
        XCTAssertEqual(official["discriminatorReals"] as? String, "inputs")
        XCTAssertEqual(official["adaptorInitialisation"] as? String, "orthogonal")
    }

    func testScratchDefaultsToTheOfficialWidth() throws {
        let config = try printConfig(["--scratch"])
        let initialisation = try XCTUnwrap(config["initialisation"] as? [String: Any])
        let scratch = try XCTUnwrap(initialisation["scratch"] as? [String: Any])
        XCTAssertEqual((scratch["channels"] as? NSNumber)?.intValue, 96, "G_ch / D_ch 96")
    }

    func testBadOfficialModeFlagsAreRefused() throws {
        let r = try CLI.run(["train", "--data", "/d", "--from", "/g", "--out", "/o", "--d-reals", "both", "--print-config"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--d-reals"), r.stderr)
    }
}
