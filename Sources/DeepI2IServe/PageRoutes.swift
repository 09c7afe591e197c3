import Foundation
import Hummingbird
import ImageIO

/// The routes the web page uses besides translate and morph, and the 405 answers of the POST-only
/// API routes (a browser's GET of /api/translate gets a JSON error saying to POST, not an empty 404).
///
///   GET  /api/samples          {"samples": [{"name", "url"}]}: the model directory's example images
///   GET  /api/samples/{name}   one of them
///   POST /api/prepare          body: PNG/JPEG (raw or multipart) -> {"image": base64 PNG of the image
///                              as the model sees it (centre-cropped, resized), "width", "height" (the
///                              upload's size), "resolution"}
enum PageRoutes {
    /// The routes that accept only POST; every other method is answered 405.
    static let postOnly = ["/api/translate", "/api/morph", "/api/prepare"]

    static func add(to router: Router<BasicRequestContext>, api: RequestHandlers) {
        let samples = api.options.samples
        router.get("/api/samples") { _, _ in
            JSONBody.response(["samples": samples.names.map { ["name": $0, "url": "/api/samples/" + encode($0)] }])
        }
        router.get("/api/samples/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let image = samples.image(named: name) else {
                return APIError(.notFound, "not-found", "no sample image named '\(name)'").response
            }
            return JSONBody.bytes(image.bytes, contentType: image.contentType)
        }
        router.post("/api/prepare") { request, _ in await api.prepare(request) }
        for path in postOnly {
            for method in [HTTPRequest.Method.get, .put, .delete, .patch] {
                router.on(RouterPath(path), method: method) { request, _ in methodNotAllowed(request) }
            }
        }
    }

    static func methodNotAllowed(_ request: Request) -> Response {
        var response = APIError(.methodNotAllowed, "method-not-allowed",
                                "\(request.uri.path) takes POST with the image as the body (raw PNG/JPEG bytes or a multipart form field 'image'), not \(request.method.rawValue)").response
        response.headers[.allow] = "POST"
        return response
    }

    private static func encode(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
    }
}

extension RequestHandlers {
    func prepare(_ request: Request) async -> Response {
        do {
            let image = try await decodeBody(request)
            let png = try await queue.run { t in try ImageEncoder.png(t.prepare(image)) }
            return JSONBody.response([
                "image": Data(png).base64EncodedString(), "width": image.width, "height": image.height,
                "resolution": domains.resolution,
            ])
        } catch {
            return errorResponse(error)
        }
    }
}
