import Foundation
import ImageIO
import TensorBoard

/// The TensorBoard view of a run, written by the training driver into the run folder: `loss/<name>`
/// per iteration, `lr/<optimizer>`, `images_per_second`, and the sample sheets as `samples`, so
/// `tensorboard --logdir runs/` shows a live run as it does for BigGAN-PyTorch and StyleGAN.
final class TrainingBoard {
    let writer: EventWriter

    init(run: RunLayout) throws {
        do { writer = try EventWriter(directory: run.root) } catch {
            throw TrainingError.checkpoint("cannot create a TensorBoard event file in \(run.root.path): \(describe(error))")
        }
    }

    func scalars(_ iteration: Int, losses: [String: Double], learningRates: [String: Double], imagesPerSecond: Double) throws {
        var values = losses.sorted { $0.key < $1.key }.map { (tag: "loss/\($0.key)", value: $0.value) }
        values += learningRates.sorted { $0.key < $1.key }.map { (tag: "lr/\($0.key)", value: $0.value) }
        values.append((tag: "images_per_second", value: imagesPerSecond))
        try writer.scalars(values, step: iteration)
    }

    /// A sample sheet already written as PNG.
    func image(_ iteration: Int, png url: URL) throws {
        let data = try Data(contentsOf: url)
        let image = try ImageDecoder.decode(contentsOf: url.path)
        try writer.image("samples", png: data, width: image.width, height: image.height, step: iteration)
    }
}
