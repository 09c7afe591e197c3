import Foundation
import Hummingbird

/// A client-facing failure: HTTP status, a stable machine-readable code and a readable message.
/// Rendered as `{"error": {"code": ..., "message": ...}}`.
public struct APIError: Error, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    var response: Response {
        JSONBody.response(["error": ["code": code, "message": message]], status: status)
    }
}

/// JSON and binary response helpers.
enum JSONBody {
    static func response(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return bytes(Array(data), contentType: "application/json", status: status)
    }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
