import Foundation

/// The family a model directory's config.json records ("biggan" when absent: the first format; nil
/// when the file is not a JSON object, which the caller's own decoding then reports).
public enum ModelFamily {
    public static func of(configData data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["family"] as? String ?? "biggan"
    }
}
