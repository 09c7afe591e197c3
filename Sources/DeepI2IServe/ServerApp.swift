import DeepI2I
import Foundation
import Hummingbird
import ImageIO
import Logging
import NIOCore

/// The HTTP front end: the web page, and a JSON/binary API over the same translate and morph code
/// as the command line.
///
///   GET  /                 the page (HTML + JS, no external resources)
///   GET  /healthz          {"status": "ok"}
///   GET  /api/classes      {"classes": [{"index", "name"}], "family", "singleDomain", "resolution", "maxSamples", ...}
///                          (a StyleGAN model: one entry, its target domain, and "singleDomain": true)
///   GET  /api/sample.png   a built-in test image (the page's demo mode uses it)
///   POST /api/translate?classes=a,b|all&samples=N&seed=S&truncation=T   body: PNG/JPEG bytes
///        -> {"classes": [...], "samples": N, "grid": base64 PNG, "images": [[base64 PNG per class] per sample]}
///   POST /api/morph?from=a&to=b&via=c,d&steps=K&seed=S&truncation=T&format=gif|png   body: PNG/JPEG
///        -> image/gif (animation) or image/png (strip); format=json: {"gif", "strip": base64, "frames", "classes"}
///        (a one-domain StyleGAN model morphs between samples instead: from_sample=i&to_sample=j, default 0 and 1)
///   (bodies are raw PNG/JPEG bytes or multipart/form-data with an 'image' field; PageRoutes has the rest)
/// Errors are 4xx/5xx with {"error": {"code", "message"}}.
public enum DeepI2IServer {
    public static func router(queue: InferenceQueue, config: ModelConfig, options: ServeOptions) -> Router<BasicRequestContext> {
        router(queue: queue, domains: TargetDomains(config), options: options)
    }

    public static func router(queue: InferenceQueue, domains: TargetDomains, options: ServeOptions) -> Router<BasicRequestContext> {
        let router = Router()
        let api = RequestHandlers(queue: queue, domains: domains, options: options,
                                  decoder: DecodeLimiter(maxConcurrent: options.maxConcurrentDecodes,
                                                         maxWaiting: options.maxWaitingDecodes))
        router.get("/") { _, _ in JSONBody.bytes(Array(WebPage.html.utf8), contentType: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ in JSONBody.response(["status": "ok"]) }
        router.get("/api/classes") { _, _ in api.classes() }
        router.get("/api/sample.png") { _, _ in
            (try? ImageEncoder.png(SampleImage.make(side: 96))).map { JSONBody.bytes($0, contentType: "image/png") }
                ?? APIError(.internalServerError, "internal", "cannot encode the sample image").response
        }
        router.post("/api/translate") { request, _ in await api.withDeadline { await api.translate(request) } }
        router.post("/api/morph") { request, _ in await api.withDeadline { await api.morph(request) } }
        PageRoutes.add(to: router, api: api)
        return router
    }

    /// An application bound to `host:port` (port 0 picks a free one); `onRunning` gets the bound port.
    public static func application(queue: InferenceQueue, config: ModelConfig, options: ServeOptions,
                                   host: String, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        application(queue: queue, domains: TargetDomains(config), options: options, host: host, port: port, logger: logger,
                    onRunning: onRunning)
    }

    public static func application(queue: InferenceQueue, domains: TargetDomains, options: ServeOptions,
                                   host: String, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(queue: queue, domains: domains, options: options),
            configuration: .init(address: .hostname(host, port: port), serverName: "deepi2i"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

/// Request parsing, validation and inference for the API routes.
struct RequestHandlers: Sendable {
    let queue: InferenceQueue
    let domains: TargetDomains
    let options: ServeOptions
    let decoder: DecodeLimiter

    func classes() -> Response {
        let list = (0..<domains.count).map { ["index": $0, "name": domains.name(of: $0)] as [String: Any] }
        return JSONBody.response([
            "classes": list, "family": domains.family, "singleDomain": domains.isSingleDomain,
            "resolution": domains.resolution, "maxSamples": options.maxSamples,
            "maxClasses": options.maxClasses, "maxMorphSteps": options.maxMorphSteps,
            "maxUploadBytes": options.maxUploadBytes,
        ])
    }

    func translate(_ request: Request) async -> Response {
        do {
            let q = Self.query(request)
            let classes = try ClassSelection.resolve(q("classes") ?? "all", domains: domains)
            guard classes.count <= options.maxClasses else {
                throw APIError(.badRequest, "too-many-classes", "\(classes.count) target classes; at most \(options.maxClasses) per request")
            }
            let samples = try integer(q, "samples", default: 1, range: 1...options.maxSamples)
            let seed = try UInt64(integer(q, "seed", default: Int(options.defaultSeed), range: 0...Int(Int32.max)))
            let truncation = try real(q, "truncation", default: options.defaultTruncation, range: 0...4)
            let image = try await decodeBody(request)
            let batch = options.batchSize
            let (grid, tiles) = try await queue.run { t -> ([UInt8], [[[UInt8]]]) in
                let input = t.prepare(image)
                let out = try t.translate([input], classes: classes, samples: samples, seed: seed,
                                          truncation: truncation, batchSize: batch, progress: nil)[0]
                let grid = try ImageEncoder.png(ImageGrid.translation(input: input, samples: out))
                return (grid, try out.map { try $0.map { try ImageEncoder.png($0) } })
            }
            return JSONBody.response([
                "classes": classes.map { domains.name(of: $0) },
                "samples": samples, "seed": seed, "truncation": truncation,
                "grid": Data(grid).base64EncodedString(),
                "images": tiles.map { $0.map { Data($0).base64EncodedString() } },
            ])
        } catch {
            return errorResponse(error)
        }
    }

    func morph(_ request: Request) async -> Response {
        do {
            let q = Self.query(request)
            let path: MorphPath
            let ends: [String]
            if domains.isSingleDomain {
                if q("from") != nil || q("to") != nil || q("via") != nil {
                    throw APIError(.badRequest, "bad-parameter", "this StyleGAN model has one target domain ('\(domains.name(of: 0))'): morph between samples with from_sample and to_sample, not classes")
                }
                let a = try integer(q, "from_sample", default: 0, range: 0...(options.maxSamples - 1))
                let b = try integer(q, "to_sample", default: 1, range: 0...(options.maxSamples - 1))
                path = .samples(from: a, to: b)
                ends = ["sample \(a)", "sample \(b)"]
            } else {
                guard let from = q("from"), let to = q("to") else {
                    throw APIError(.badRequest, "missing-parameter", "morph needs 'from' and 'to' classes")
                }
                let via = try (q("via") ?? "").split(separator: ",")
                    .map { try ClassSelection.resolveOne(String($0).trimmingCharacters(in: .whitespaces), domains: domains) }
                let classes = try [ClassSelection.resolveOne(from, domains: domains)] + via + [ClassSelection.resolveOne(to, domains: domains)]
                guard classes.count <= options.maxMorphClasses else {
                    throw APIError(.badRequest, "too-many-classes", "a morph path of \(classes.count) classes; at most \(options.maxMorphClasses)")
                }
                path = .classes(classes)
                ends = classes.map { domains.name(of: $0) }
            }
            let steps = try integer(q, "steps", default: 8, range: 2...options.maxMorphSteps)
            let seed = try UInt64(integer(q, "seed", default: Int(options.defaultSeed), range: 0...Int(Int32.max)))
            let truncation = try real(q, "truncation", default: options.defaultTruncation, range: 0...4)
            let format = q("format") ?? "gif"
            guard ["gif", "png", "json"].contains(format) else {
                throw APIError(.badRequest, "bad-parameter", "format must be gif, png or json, got '\(format)'")
            }
            let image = try await decodeBody(request)
            let batch = options.batchSize
            let (gif, strip, count) = try await queue.run { t -> ([UInt8], [UInt8], Int) in
                let frames = try t.morph(t.prepare(image), along: path, steps: steps, seed: seed,
                                         truncation: truncation, batchSize: batch)
                return (format == "png" ? [] : try GIFEncoder.animated(frames),
                        format == "gif" ? [] : try ImageEncoder.png(ImageGrid.strip(frames)), frames.count)
            }
            if format == "json" { // the page shows both from one computation
                return JSONBody.response([
                    "classes": ends, "frames": count,
                    "gif": Data(gif).base64EncodedString(), "strip": Data(strip).base64EncodedString(),
                ])
            }
            return JSONBody.bytes(format == "gif" ? gif : strip, contentType: format == "gif" ? "image/gif" : "image/png")
        } catch {
            return errorResponse(error)
        }
    }

    /// Looks up a (percent-decoded) query parameter.
    typealias Query = (String) -> String?

    static func query(_ request: Request) -> Query {
        let parameters = request.uri.queryParameters
        return { name in parameters[Substring(name)].map(String.init) }
    }

    /// The request body as a decoded image, within the byte and pixel limits.
    func decodeBody(_ request: Request) async throws -> DecodedImage {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > options.maxUploadBytes {
            throw tooLarge()
        }
        let buffer: ByteBuffer
        // NIO's collect fails only when the body passes the limit (or the connection drops).
        do { buffer = try await request.body.collect(upTo: options.maxUploadBytes) } catch { throw tooLarge() }
        var bytes = Array(buffer.readableBytesView)
        if let boundary = try MultipartForm.boundary(contentType: request.headers[.contentType]) {
            bytes = Array(try MultipartForm.image(bytes, boundary: boundary))
        }
        guard !bytes.isEmpty else { throw APIError(.badRequest, "empty-body", "the request has no image; send PNG or JPEG bytes as the body") }
        var decodeOptions = DecodeOptions(maxPixels: options.maxPixels)
        decodeOptions.maxJPEGScans = options.maxJPEGScans
        return try await decoder.decode(bytes, options: decodeOptions)
    }

    private func tooLarge() -> APIError {
        APIError(.contentTooLarge, "upload-too-large", "the upload is larger than \(options.maxUploadBytes) bytes")
    }

    private func integer(_ q: Query, _ name: String, default value: Int,
                         range: ClosedRange<Int>) throws -> Int {
        guard let text = q(name) else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(.badRequest, "bad-parameter", "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return n
    }

    private func real(_ q: Query, _ name: String, default value: Double,
                      range: ClosedRange<Double>) throws -> Double {
        guard let text = q(name) else { return value }
        guard let x = Double(text), range.contains(x) else {
            throw APIError(.badRequest, "bad-parameter", "\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return x
    }

    func errorResponse(_ error: Error) -> Response {
        switch error {
        case let e as APIError:
            return e.response
        case let e as ClassSelectionError:
            return APIError(.badRequest, "unknown-class", e.description).response
        case let e as ImageError:
            if case .tooLarge = e.reason { return APIError(.contentTooLarge, "image-too-large", e.description).response }
            return APIError(.badRequest, e.category, e.description).response
        case is DecodeLimiter.Full:
            return APIError(.serviceUnavailable, "busy", "too many uploads are being decoded; retry shortly").response
        case is InferenceQueue.Busy:
            return APIError(.serviceUnavailable, "busy", "too many requests are waiting for the model; retry shortly").response
        case let ModelError.badInput(message):
            return APIError(.badRequest, "bad-input", message).response
        default:
            return ServeLimits.internalError(error)
        }
    }
}
