import Testing
import VaultSandbox
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct BuiltInScenarioFileTests {
    /// The repository root: three levels up from this file (Tests/VaultSandboxTests/THIS).
    private static let repositoryRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    private func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    @Test(arguments: Scenario.builtInNames)
    func publishedFileEqualsEmbeddedText(name: String) throws {
        let file = try #require(readFile("\(Self.repositoryRoot)/sandbox/scenarios/\(name).json"), "sandbox/scenarios/\(name).json")
        #expect(file == Array(try #require(Scenario.builtInText(named: name)).utf8))
        #expect(try Scenario(json: file) == Scenario.builtIn(named: name))
    }
}
