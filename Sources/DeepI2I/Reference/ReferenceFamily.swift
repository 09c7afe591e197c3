import Foundation

/// The model family of a reference folder, from its config.json's "family" (absent: BigGAN, the format
/// of the first folders), so `reference-check` can pick the checker that understands it.
public enum ReferenceFamily: String, Sendable {
    case biggan
    case stylegan
    /// A recorded run of the official BigGAN DeepI2I training function (`TrajectoryCheck`).
    case trajectory = "biggan-trajectory"

    public static func of(folder: URL) throws -> ReferenceFamily {
        let url = folder.appendingPathComponent("config.json")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.checkpoint("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let name = ModelFamily.of(configData: data) else {
            throw ModelError.checkpoint("\(url.path) is not a JSON object")
        }
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["format"] as? String == ModelDirectory.format {
            throw ModelError.checkpoint("\(folder.path) is a deepi2i model directory (\(name)), not a reference folder (shared/golden format: config.json, weights, cases.safetensors)")
        }
        guard let family = ReferenceFamily(rawValue: name) else {
            throw ModelError.checkpoint("\(url.path): unknown model family \(name) (known: biggan, stylegan, biggan-trajectory)")
        }
        return family
    }
}
