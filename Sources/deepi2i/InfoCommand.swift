import ArgumentParser
import DeepI2I
import Foundation
import Torch

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show libtorch, devices, and the parameter counts of a configuration."
    )

    @Option(help: "Resolution (32, 64, 128, 256).") var resolution = 128
    @Option(help: "Channel width (G_ch = D_ch); 96 in the paper.") var channels = 96
    @Option(help: "Number of class embedding rows.") var classes = 1000

    func run() throws {
        print("libtorch \(Torch.version), \(Torch.threadCount) threads, CUDA devices: \(Torch.cudaDeviceCount)")
        print(Torch.isCUDABuilt
              ? "CUDA: built in (libtorch_cuda linked); " + (Torch.cudaDeviceCount > 0 ? "\(Torch.cudaDeviceCount) device(s) available" : "unavailable here (no CUDA device or driver)")
              : "CUDA: not built in (CPU libtorch)")
        print(CPUCache.isEnabled
              ? "CPU memory reuse: on (free heap memory kept \(CPUCache.statistics.trimLimit.map { "up to \($0 >> 20) MiB" } ?? "without limit"); DEEPI2I_CPU_CACHE=0 turns it off)"
              : "CPU memory reuse: off")
        let config = try ModelConfig(resolution: resolution, channels: channels, classCount: classes)
        let model = try DeepI2IModel(config: config)
        for (name, network) in model.networks {
            let n = network.parameterCount
            print("\(name): \(n) parameters (\(String(format: "%.2f", Double(n) / 1e6))M)")
        }
        print("fusion levels: \(config.fusionLevels)")
    }
}
