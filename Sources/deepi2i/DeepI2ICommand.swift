import ArgumentParser
import Foundation

@main
struct DeepI2ICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepi2i",
        abstract: "DeepI2I: deep hierarchical image-to-image translation by transferring from GANs.",
        version: "0.1.0",
        subcommands: [
            PrepareCommand.self, PretrainGANCommand.self, ImportBigGANCommand.self, ImportStyleGANCommand.self, TrainCommand.self,
            TranslateCommand.self, MorphCommand.self, ServeCommand.self,
            EvaluateCommand.self, TrainClassifierCommand.self,
            InitModelCommand.self, ReferenceCheckCommand.self, InfoCommand.self,
            BenchTranslateCommand.self, BenchTrainStepCommand.self, BenchPipelineCommand.self, BenchLoaderCommand.self,
            BenchFeaturesCommand.self, BenchStyleGANCommand.self, PretrainStyleGANCommand.self,
            TSNECommand.self,
        ]
    )
}

/// Errors that end a command with a message and a non-zero status instead of a stack trace.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
