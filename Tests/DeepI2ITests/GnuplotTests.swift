import DeepI2I
import ImageIO
import XCTest

final class GnuplotTests: XCTestCase {
    func testChartsAreRealPNGs() throws {
        try XCTSkipIf(Gnuplot.executable == nil, "gnuplot not installed")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let line = dir.appendingPathComponent("line.png")
        try Gnuplot.lineChart([.init(title: "loss \"D\"", points: (0..<50).map { (Double($0), 1 / Double($0 + 1)) })],
                              title: "losses", xLabel: "iteration", yLabel: "loss", logY: true, to: line, size: (320, 200))
        let image = try ImageDecoder.decode(contentsOf: line.path)
        XCTAssertEqual(image.width, 320)
        XCTAssertEqual(image.height, 200)
        let bars = dir.appendingPathComponent("bars.png")
        try Gnuplot.barChart(labels: ["cat", "dog"], values: [3, 5], title: "FID", yLabel: "FID", to: bars, size: (300, 200))
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: bars.path).width, 300)
    }
}
