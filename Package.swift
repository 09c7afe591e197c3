// swift-tools-version:5.9
// deepi2i: DeepI2I (NeurIPS 2020) in Swift over libtorch.
import PackageDescription
import Foundation

// libtorch location. Default: Debian's libtorch-dev (1.13, C++17). `LIBTORCH=/path` points at any
// other libtorch (official zip or `torch/` inside a PyTorch wheel; 2.x needs C++20), CPU or CUDA.
let env = ProcessInfo.processInfo.environment
let fm = FileManager.default
let libtorch = env["LIBTORCH"]
let torchInclude = libtorch.map { ["\($0)/include", "\($0)/include/torch/csrc/api/include"] }
    ?? ["/usr/include/torch/csrc/api/include"]
let torchLib = libtorch.map { "\($0)/lib" } ?? "/usr/lib/x86_64-linux-gnu"
// libtorch 2.x headers need C++20; 1.13's build with C++17.
let torchIsV2 = libtorch.map { root in
    let version = (try? String(contentsOfFile: "\(root)/include/torch/csrc/api/include/torch/version.h", encoding: .utf8)) ?? ""
    return !version.contains("TORCH_VERSION_MAJOR 1")
} ?? false
let cxxABI = env["LIBTORCH_CXX11_ABI"] ?? "1"
// `LIBTORCH_CUDA=0` builds CPU-only against a CUDA libtorch (e.g. a PyPI wheel without the CUDA libraries).
let hasCUDA = fm.fileExists(atPath: "\(torchLib)/libtorch_cuda.so") && env["LIBTORCH_CUDA"] != "0"

// libtorch_cpu and c10 by full path (libtorch.so adds nothing but, in CUDA builds, a dependency on
// libtorch_cuda). Full paths because another -L (the system's) may come first on the link line, and Debian's
// libtorch there would shadow the one LIBTORCH names.
var torchLinker: [String] = ["-Xlinker", "-rpath", "-Xlinker", torchLib]
    + ["torch_cpu", "c10"].flatMap { ["-Xlinker", "\(torchLib)/lib\($0).so"] }
// CUDA kernels register themselves when libtorch_cuda loads; keep it linked although no symbol is used.
if hasCUDA { torchLinker += ["-Xlinker", "--no-as-needed", "-Xlinker", "\(torchLib)/libtorch_cuda.so", "-Xlinker", "--as-needed"] }

let package = Package(
    name: "deepi2i",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "deepi2i", targets: ["deepi2i"]),
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "DeepI2I", targets: ["DeepI2I"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.0"),
        // Web demo and JSON API (`deepi2i serve`).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // TensorBoard event files (generated message code committed: no protoc plugin at build time).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
    ],
    targets: [
        // C shim over libtorch: extern "C", opaque handles, every C++ exception caught.
        .target(
            name: "CTorch",
            cxxSettings: [
                .unsafeFlags(torchInclude.flatMap { ["-isystem", $0] } + [
                    torchIsV2 ? "-std=c++20" : "-std=c++17",
                    "-D_GLIBCXX_USE_CXX11_ABI=\(cxxABI)", "-O2", "-Wno-deprecated-declarations",
                ]),
            ] + (hasCUDA ? [.define("CT_WITH_CUDA")] : []),
            linkerSettings: [
                .unsafeFlags(torchLinker),
                .linkedLibrary("stdc++"),
            ]
        ),
        // Pure-Swift pickle reader (protocols 0-5), for .pth checkpoints and numpy data files.
        .target(name: "Pickle"),
        // safetensors and torch.save (zip + legacy) readers/writers on host memory; no libtorch.
        .target(
            name: "CheckpointFormats",
            dependencies: ["Pickle", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .target(name: "Torch", dependencies: ["CTorch", "CheckpointFormats"]),
        // libpng / libjpeg-turbo / zlib wrappers; every setjmp/longjmp stays in C.
        .target(
            name: "CCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        // Debian's giflib (libgif-dev), for animated GIF output (morph).
        .systemLibrary(name: "CGif", path: "Sources/CGif"),
        .target(name: "ImageIO", dependencies: ["CCodecs", "CGif"]),
        // Small helpers every layer above may use: SplitMix64, SHA-256, subprocesses, Python package lookup, JSON files.
        .target(name: "Support"),
        .target(name: "Datasets", dependencies: ["ImageIO", "CCodecs", "Pickle", "Support"]),
        // TensorBoard event files: Event/Summary messages and TFRecord framing.
        .target(name: "TensorBoard", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "DeepI2I", dependencies: ["Torch", "CheckpointFormats", "ImageIO", "Datasets", "TensorBoard", "Support"]),
        // Inference front ends shared by the CLI and the server: translate/morph and the HTTP app.
        .target(
            name: "DeepI2IServe",
            dependencies: [
                "DeepI2I", "Torch", "ImageIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "deepi2i",
            dependencies: [
                "DeepI2I", "DeepI2IServe", "Torch", "ImageIO", "Datasets", "Support",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What several test targets share: running a child process, the repository's root.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PickleTests", dependencies: ["Pickle"], exclude: ["Fixtures"]),
        .testTarget(name: "CheckpointFormatsTests", dependencies: ["CheckpointFormats", "Pickle"], exclude: ["Fixtures"]),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ImageIO", "Pickle", "Support"]),
        .testTarget(name: "DeepI2ITests", dependencies: ["DeepI2I", "Torch", "ImageIO", "Datasets", "CheckpointFormats", "TensorBoard", "Support", "TestSupport"], exclude: ["Fixtures"]),
        // In-process HTTP API tests and the headless-Chromium page test.
        .testTarget(name: "DeepI2IServeTests", dependencies: ["DeepI2IServe", "DeepI2I", "Torch", "ImageIO", "TestSupport"]),
        // Runs the built `deepi2i` binary (run `swift build` first) for exit codes and messages.
        .testTarget(name: "CLITests", dependencies: ["ImageIO", "CheckpointFormats", "TestSupport"]),
        // Benchmark against PyTorch (bench/torch_ops/run.sh); not part of the product.
        .executableTarget(name: "torch-bench", dependencies: ["Torch"], path: "bench/torch_ops/swift"),
    ],
    cxxLanguageStandard: torchIsV2 ? .cxx20 : .cxx17
)
