/// Limits that keep one request from exhausting the server.
public struct ServeOptions: Sendable {
    /// Largest accepted request body (an encoded image), bytes.
    public var maxUploadBytes = 8 * 1024 * 1024
    /// Largest decoded image, pixels (guards against decompression bombs).
    public var maxPixels = 24_000_000
    public var maxSamples = 8
    public var maxClasses = 16
    public var maxMorphSteps = 24
    public var maxMorphClasses = 6
    /// Requests waiting for the model beyond this are answered 503 at once.
    public var maxPending = 16
    /// Image decodes running at once; up to `maxWaitingDecodes` more wait, uploads beyond both are
    /// answered 503 at once.
    public var maxConcurrentDecodes = 4
    public var maxWaitingDecodes = 16
    /// Most scans a progressive JPEG upload may have.
    public var maxJPEGScans = 100
    /// Seconds a request may take in all (reading, decoding, waiting for and running the model); 0: none.
    public var requestTimeout: Double = 120
    /// Generator batch size.
    public var batchSize = 32
    /// Example images the page offers (a model directory's samples/); empty offers none.
    public var samples = SampleLibrary(directory: nil)
    /// z's seed and scale for requests that give none (`deepi2i serve --seed/--truncation`).
    public var defaultSeed: UInt64 = 0
    public var defaultTruncation = 1.0

    public init() {}
}
