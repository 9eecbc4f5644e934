import Foundation
import Testing
import VaultCore
import VaultSandbox
@testable import VaultServer
import VaultConfiguration

/// The regulator sandbox on the real server: its own CA, its own log, the production inspector
/// routes over it, and no way across in either direction.
@Suite("the regulator sandbox on the real server", .serialized)
struct SandboxServerTests {
    typealias Server = ServerTests.Server

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("a sandbox export downloads and verifies with regvault-verify against the published sandbox key")
    func sandboxExportVerifies() async throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("sandbox-export"))
        let started = try server.curl("/sandbox/regulator/exports", as: "sandbox", extra: ["-X", "POST", "--data-binary", "{}"])
        #expect(started.status == 202, "\(started.body)")
        let id = try #require(try json(started.body)["id"] as? String)
        var status = 202
        for _ in 0..<300 where status == 202 {
            try await Task.sleep(for: .milliseconds(100))
            status = try server.curl("/sandbox/regulator/exports/\(id)", as: "sandbox").status
        }
        #expect(status == 200)
        // A production inspector cannot see the sandbox's export job, nor the sandbox the production's.
        #expect(try server.curl("/regulator/exports/\(id)", as: "regulator_read").status == 404)
        let archive = server.data + "-sandbox.tar.gz"
        let certs = server.certs
        #expect(try Tool.run("curl", ["-sS", "--fail", "--cacert", certs + "/ca.pem", "--cert", certs + "/sandbox.pem",
                                      "--key", certs + "/sandbox.key", "-o", archive,
                                      server.url + "/sandbox/regulator/exports/\(id)"]).status == 0)
        let published = try String(contentsOfFile: SandboxServerTests.repository + "/sandbox/keys/demo.vkey", encoding: .utf8)
        let verdict = try Tool.run(executable: VerifierBinary.url, [archive, "--key", published.trimmingCharacters(in: .newlines)],
                                   input: nil)
        #expect(verdict.status == 0, "\(verdict.stderr)")
        // The production key does not verify it: the logs are separate.
        let production = try String(contentsOfFile: server.data + "/log.pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(try Tool.run(executable: VerifierBinary.url, [archive, "--key", production], input: nil).status != 0)
    }

    @Test("production records never reach the sandbox's files, and sandbox records never reach production's")
    func isolationOnDisk() async throws {
        let data = RegVaultBinary.temporaryDirectory("sandbox-isolation")
        let marker = "isolation-marker-\(UUID().uuidString.prefix(8))"
        let sandboxEvent: String
        do {
            let server = try Server.dev(data)
            let record = #"{"eventId":"evt-\#(marker)","stream":"kyc","entity":{"type":"player","id":"\#(marker)"},"action":"status_change","actor":{"id":"kyc"},"occurredAt":"2026-01-01T00:00:00Z","jurisdiction":"MT"}"#
            #expect(try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", record]).status == 200)
            let refused = try server.curl("/v1/records", as: "ingest",
                                          extra: ["-X", "POST", "--data-binary", record.replacingOccurrences(of: "evt-", with: "sbx-")])
            #expect(refused.status == 400 && refused.body.contains("wrong_log"), "\(refused.body)")
            #expect(try server.curl("/sandbox/regulator/player/\(marker)", as: "sandbox").body.contains(#""records":[]"#))
            // A sandbox event id, from the sandbox's own log, is not in production.
            let page = try json(try server.curl("/sandbox/regulator/logs/kyc?limit=1", as: "sandbox").body)
            sandboxEvent = try #require((page["records"] as? [[String: Any]])?.first?["eventId"] as? String)
            #expect(sandboxEvent.hasPrefix("sbx-"))
            let production = try server.curl("/regulator/logs/kyc?limit=1000", as: "regulator_read").body
            #expect(!production.contains("sbx-"))
            // A route that does not exist is a 404 in the API's error shape, in the sandbox and out of it.
            #expect(try server.curl("/sandbox/regulator/logs/", as: "sandbox").body.contains(#""code":"no_route""#))
            #expect(try server.curl("/regulator/nope", as: "regulator_read").body.contains(#""code":"no_route""#))
            let xml = try server.curl("/sandbox/regulator/logs/kyc", as: "sandbox", extra: ["-H", "Accept: application/xml"])
            #expect(xml.status == 406 && xml.body.contains("not_acceptable"), "\(xml.status) \(xml.body)")
            // Dot segments do not lead a sandbox certificate out of /sandbox/.
            for path in ["/sandbox/../regulator/checkpoint", "/sandbox/regulator/../../regulator/checkpoint",
                         "/sandbox/%2e%2e/regulator/checkpoint"] {
                let answer = try server.curl(path, as: "sandbox", extra: ["--path-as-is"])
                #expect(answer.status == 404 || answer.status == 403, "\(path): \(answer.status) \(answer.body)")
                #expect(!answer.body.contains("sandbox.regvault.example") && !answer.body.contains("dev.regvault.local"))
            }
        }
        // The server has stopped (deinit). Records are encrypted at rest, so look at what can be read.
        let productionVault = try Vault.open(at: data)
        #expect(try productionVault.store.records(eventIds: [sandboxEvent]).isEmpty)
        let sandboxRoot = data + "/sandbox"
        let current = try String(contentsOfFile: sandboxRoot + "/current", encoding: .utf8).trimmingCharacters(in: .newlines)
        let sandboxVault = try Vault.open(at: sandboxRoot + "/" + current)
        #expect(try sandboxVault.store.records(eventIds: ["evt-\(marker)"]).isEmpty)
        let size = try sandboxVault.store.treeSize()
        let all = try sandboxVault.store.recordsForCheck(from: 0, to: size).map(\.record)
        #expect(all.count == Int(size))
        #expect(all.allSatisfy { $0.eventId.hasPrefix("sbx-") || $0.stream.hasPrefix("vault.") })
        #expect(all.allSatisfy { !String(decoding: $0.body ?? Data(), as: UTF8.self).contains(marker) })
    }

    @Test("the configuration refuses a sandbox CA shared with production, the sandbox role on an identity, and bad ranges")
    func configurationRefusals() throws {
        var configuration = ServerConfiguration(
            data: "/tmp/x", listen: "127.0.0.1:0", tls: .init(certificate: "s.pem", privateKey: "s.key", clientCAs: ["ca.pem"]),
            identities: [.init(commonName: "inspector", roles: [.regulatorRead], allowFrom: ["10.0.0.0/8"])])
        configuration.sandbox = .init(clientCA: "ca.pem", allowFrom: ["10.0.0.0/8"])
        #expect(throws: ServerError.self) { try configuration.validate() }
        configuration.sandbox = .init(clientCA: "sandbox-ca.pem", allowFrom: ["not-a-range"])
        #expect(throws: ServerError.self) { try configuration.validate() }
        configuration.sandbox = .init(clientCA: "sandbox-ca.pem", allowFrom: ["10.0.0.0/8"])
        try configuration.validate()
        #expect(configuration.sandboxDirectory == "/tmp/x/sandbox")
        configuration.identities.append(.init(commonName: "sneaky", roles: [.sandbox], allowFrom: ["10.0.0.0/8"]))
        #expect(throws: ServerError.self) { try configuration.validate() }

        // A misspelt option is named, not ignored; a missing one is named by its path.
        let dir = RegVaultBinary.temporaryDirectory("config-keys")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = #""data":"d","listen":"127.0.0.1:0","tls":{"certificate":"s.pem","privateKey":"s.key","clientCAs":["ca.pem"]},"identities":[{"commonName":"i","roles":["regulator_read"],"allowFrom":["10.0.0.0/8"]}]"#
        for (text, expected) in [
            (#"{\#(base),"sandbox":{"scenariox":"demo","clientCA":"s-ca.pem","allowFrom":["10.0.0.0/8"]}}"#, "unknown option 'scenariox' in sandbox"),
            (#"{\#(base),"sandbox":{"clientCA":"s-ca.pem"}}"#, "'sandbox.allowFrom' is required"),
            (#"{\#(base),"sweepIntervalSecond":60}"#, "unknown option 'sweepIntervalSecond'"),
        ] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
            do {
                _ = try ServerConfiguration.load(path: dir + "/config.json")
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test("regvault sandbox issue-cert makes a CA once and certificates from it; the server takes them for the sandbox only")
    func issuedCertificates() throws {
        let dir = RegVaultBinary.temporaryDirectory("sandbox-certs")
        let typo = try RegVaultBinary.run(["sandbox", "issue-cert", "mga-team", "--ca", dir + "/sandbox-ca", "--out", dir])
        #expect(typo.status != 0 && typo.stderr.contains("--create-ca"), "no CA is made without asking: \(typo.stderr)")
        let first = try RegVaultBinary.run(["sandbox", "issue-cert", "mga-team", "--ca", dir + "/sandbox-ca", "--out", dir, "--create-ca"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try RegVaultBinary.run(["sandbox", "issue-cert", "ukgc-team", "--ca", dir + "/sandbox-ca", "--out", dir]).status == 0)
        let again = try RegVaultBinary.run(["sandbox", "issue-cert", "mga-team", "--ca", dir + "/sandbox-ca", "--out", dir])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/sandbox-ca.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        for team in ["mga-team", "ukgc-team"] {
            let verified = try Tool.run("openssl", ["verify", "-CAfile", dir + "/sandbox-ca.pem", dir + "/\(team).pem"])
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        }

        // A production configuration whose sandbox trusts that CA.
        let data = dir + "/data"
        #expect(try RegVaultBinary.run(["init", "--data", data, "--origin", "issued.test/log"]).status == 0)
        var configuration = try DevelopmentMode.prepare(dataDirectory: data, listen: "127.0.0.1:0")
        configuration.sandbox = .init(scenario: "demo", clientCA: dir + "/sandbox-ca.pem", allowFrom: ["127.0.0.0/8"])
        try JSONEncoder().encode(configuration).write(to: URL(fileURLWithPath: dir + "/config.json"))
        for file in ["mga-team.pem", "mga-team.key"] {
            try FileManager.default.copyItem(atPath: dir + "/" + file, toPath: data + "/dev-certs/" + file)
        }
        // The production CA under another file name is refused as the sandbox CA.
        try FileManager.default.copyItem(atPath: data + "/dev-certs/ca.pem", toPath: dir + "/copied-ca.pem")
        var clash = configuration
        clash.sandbox?.clientCA = dir + "/copied-ca.pem"
        try JSONEncoder().encode(clash).write(to: URL(fileURLWithPath: dir + "/clash.json"))
        let clashing = try RegVaultBinary.run(["serve", "--config", dir + "/clash.json"])
        #expect(clashing.status != 0 && clashing.stderr.contains("also a production client CA"), "\(clashing.stderr)")

        let server = try Server(arguments: ["serve", "--config", dir + "/config.json"], data: data)
        #expect(try server.curl("/sandbox/regulator/status", as: "mga-team").status == 200)
        let refused = try server.curl("/regulator/checkpoint", as: "mga-team")
        #expect(refused.status == 403 && refused.body.contains("sandbox_only"))
        // The development sandbox certificate is from another sandbox CA, which this server does not trust.
        #expect(try server.curl("/sandbox/regulator/status", as: "sandbox").status == 0, "the handshake fails")
    }
}
