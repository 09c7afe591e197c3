import ArgumentParser
import DeepI2I
import DeepI2IServe
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the web page and the JSON/HTTP API (translate, morph) for a model."
    )

    @OptionGroup var inference: InferenceOptions
    @Option(help: "Port (0 picks a free one).") var port = 8080
    @Option(help: "Address to bind; loopback by default. Use 0.0.0.0 to expose it on the network.") var host = "127.0.0.1"
    @Option(help: "Largest upload, bytes.") var maxUploadBytes = ServeOptions().maxUploadBytes
    @Option(help: "Most samples per request.") var maxSamples = ServeOptions().maxSamples

    func run() async throws {
        let translator = try inference.loadImageTranslator()
        var options = ServeOptions()
        options.defaultSeed = inference.seed
        options.defaultTruncation = inference.truncation
        options.maxUploadBytes = maxUploadBytes
        options.maxSamples = maxSamples
        options.samples = SampleLibrary(directory: URL(fileURLWithPath: inference.model).appendingPathComponent("samples"),
                                        maxBytes: maxUploadBytes)
        let queue = InferenceQueue(translator: translator, maxPending: options.maxPending)
        var logger = Logger(label: "deepi2i.serve")
        logger.logLevel = .info
        let app = DeepI2IServer.application(queue: queue, domains: translator.domains, options: options,
                                            host: host, port: port, logger: logger) { bound in
            print("deepi2i serving \(inference.model) on http://\(host):\(bound)/")
            fflush(stdout)
        }
        try await app.runService()
    }
}
