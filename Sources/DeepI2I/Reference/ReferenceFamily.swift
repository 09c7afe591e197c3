import Foundation

/// The model family of a reference folder, from its config.json's "family" (absent: BigGAN, the format
/// of the first folders), so `reference-check` can pick the checker that understands it.
public enum ReferenceFamily: String, Sendable {
    case biggan
    case stylegan

    public static func of(folder: URL) throws -> ReferenceFamily {
        let url = folder.appendingPathComponent("config.json")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.checkpoint("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.checkpoint("\(url.path) is not a JSON object")
        }
        guard let name = object["family"] else { return .biggan }
        guard let text = name as? String, let family = ReferenceFamily(rawValue: text) else {
            throw ModelError.checkpoint("\(url.path): unknown model family \(name) (known: biggan, stylegan)")
        }
        return family
    }
}
