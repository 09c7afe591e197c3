import Foundation

/// The family a model directory's config.json records ("biggan" when absent: the first format; nil
/// when the file is not a JSON object, which the caller's own decoding then reports).
public enum ModelFamily {
    public static let biggan = "biggan"
    public static let stylegan = "stylegan"

    /// The family of a model directory (its config.json), for commands that dispatch on it; a config.json
    /// that is not a JSON object counts as BigGAN, whose loader then names the problem.
    public static func of(directory dir: URL) throws -> String {
        AtomicDirectory.recover(dir)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.checkpoint("model directory \(dir.path) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: ModelDirectory.configURL(dir).path) else {
            throw ModelError.checkpoint("model directory \(dir.path) has no config.json")
        }
        // Not a JSON object: BigGAN's loader, the first format's, then reports what is wrong with it.
        return of(configData: data) ?? biggan
    }

    public static func of(configData data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["family"] as? String ?? "biggan"
    }
}
