import Foundation
import Torch
import XCTest

/// Reference files next to this source (Tests/DeepI2ITests/Fixtures), written once by the Python
/// scripts there.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A raw little-endian array file as a tensor of `shape`.
    static func tensor(_ name: String, shape: [Int], dtype: DType) throws -> Tensor {
        let data = try Data(contentsOf: url(name))
        return try Tensor(bytes: [UInt8](data), shape: shape, dtype: dtype)
    }

    static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(name)))
        guard let dict = object as? [String: Any] else { throw XCTSkip("\(name) is not a JSON object") }
        return dict
    }
}
