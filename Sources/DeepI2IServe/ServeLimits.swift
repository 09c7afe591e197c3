import Foundation
import DeepI2I
import Hummingbird

/// The server's answers when a limit is hit or something unexpected fails: the client gets a short,
/// generic message (no file paths, no internals); the details go to the server's standard error.
enum ServeLimits {
    /// 500 with a fixed message and an incident id that also appears in the server log line.
    static func internalError(_ error: Error) -> Response { internalAPIError(error).response }

    static func internalAPIError(_ error: Error) -> APIError {
        let incident = UUID().uuidString.prefix(8).lowercased()
        FileHandle.standardError.write(Data("deepi2i serve: internal error \(incident): \(describe(error))\n".utf8))
        return APIError(.internalServerError, "internal", "the server could not complete the request (incident \(incident))")
    }

    static func timeout(_ seconds: Double) -> Response {
        APIError(.serviceUnavailable, "timeout", "the request took longer than \(Int(seconds)) s; retry later or ask for less").response
    }
}

extension RequestHandlers {
    /// Runs a route's work under `options.requestTimeout`.
    func withDeadline(_ work: @escaping @Sendable () async -> Response) async -> Response {
        do {
            return try await RequestDeadline.run(seconds: options.requestTimeout) { await work() }
        } catch let expired as RequestDeadline.Expired {
            return ServeLimits.timeout(expired.seconds)
        } catch {
            return ServeLimits.internalError(error)
        }
    }
}
