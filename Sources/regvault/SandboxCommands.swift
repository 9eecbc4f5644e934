import ArgumentParser
import Foundation
import VaultSandbox
import VaultServer

struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "The regulator sandbox: client certificates, scenarios and the sandbox log's keys.",
        subcommands: [IssueCert.self, Scenarios.self, Key.self]
    )

    struct IssueCert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-cert",
            abstract: "Issue a sandbox client certificate (NAME.pem, NAME.key) from the sandbox CA.",
            discussion: """
            The sandbox CA is CA.pem and CA.key (made with --create-ca; keep CA.key off the server). Give CA.pem \
            to the server as sandbox.clientCA. Any certificate it issues opens /sandbox/regulator/ and nothing \
            else. In development mode the CA is DIR/dev-certs/sandbox-ca.
            """
        )

        @Argument(help: "The certificate's common name, e.g. the regulator's team.") var name: String
        @Option(help: "The CA's path without .pem/.key.") var ca: String
        @Option(help: "Directory for NAME.pem and NAME.key.") var out: String = "."
        @Flag(name: .customLong("create-ca"), help: "Make the CA first if there is none at --ca.") var createCA = false

        func run() throws {
            let path = try SandboxCertificates.issue(commonName: name, authorityBase: ca, into: out, creatingAuthority: createCA)
            print(path)
        }
    }

    struct Scenarios: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scenarios", abstract: "List the built-in scenarios, or print one's JSON.")

        @Argument(help: "A scenario name: print its JSON.") var name: String?

        func run() throws {
            guard let name else {
                for name in Scenario.builtInNames {
                    print("\(name)\t\(Scenario.builtIn(named: name)?.description ?? "")")
                }
                return
            }
            guard let text = Scenario.builtInText(named: name) else {
                throw ScenarioError(field: nil, reason: "no built-in scenario '\(name)'; built-in scenarios are "
                    + Scenario.builtInNames.joined(separator: ", "))
            }
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key",
            abstract: "Print the verifier key of a scenario's sandbox log (derived from the scenario: the same everywhere).")

        @Option(help: "A built-in scenario name or a scenario file.") var scenario = "demo"

        func run() throws {
            let source = try ScenarioSource(nameOrPath: scenario)
            print(try SandboxKey.signer(for: source).verifierKey.description)
        }
    }
}
