import DeepI2I
import DeepI2IServe
import Foundation
import Hummingbird
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the server in-process on an ephemeral loopback port for the duration of a test.
final class ServerHarness: @unchecked Sendable {
    let port: Int
    private let task: Task<Void, Error>

    /// `extraRoutes` adds test-only routes (e.g. a page that drives the web page in an iframe, which
    /// must share its origin) to the server's router.
    static func start(options: ServeOptions = ServeOptions(), translator: (any ImageTranslator)? = nil,
                      extraRoutes: ((Router<BasicRequestContext>) -> Void)? = nil) async throws -> ServerHarness {
        let translator: any ImageTranslator = try translator ?? TestModel.translator()
        let queue = InferenceQueue(translator: translator, maxPending: options.maxPending)
        var logger = Logger(label: "test")
        logger.logLevel = .critical // cancelling the server at the end of a test logs at error level
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let onRunning: @Sendable (Int) async -> Void = { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task: Task<Void, Error>
        if let extraRoutes {
            let router = DeepI2IServer.router(queue: queue, domains: translator.domains, options: options)
            extraRoutes(router)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger)
            task = Task { try await app.run() }
        } else {
            let app = DeepI2IServer.application(queue: queue, domains: translator.domains, options: options,
                                                host: "127.0.0.1", port: 0, logger: logger, onRunning: onRunning)
            task = Task { try await app.run() }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        return ServerHarness(port: port, task: task)
    }

    private init(port: Int, task: Task<Void, Error>) {
        self.port = port
        self.task = task
    }

    func stop() { task.cancel() }

    func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    /// Sends a request; returns status, body and content type.
    func request(_ path: String, method: String = "GET", body: [UInt8]? = nil) async throws -> (status: Int, body: Data, type: String) {
        var request = URLRequest(url: url(path))
        request.httpMethod = method
        request.timeoutInterval = 120
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, data, http?.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    func json(_ data: Data) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
