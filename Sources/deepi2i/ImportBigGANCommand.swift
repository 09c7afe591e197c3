struct ImportBigGANCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "import-biggan") }
import ArgumentParser
