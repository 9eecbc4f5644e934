import Foundation
import Testing
@testable import VaultServer

/// Which hosts a server certificate covers, for the warning a sequencer gives when the address it
/// publishes for the standbys' redirects is not one of them. Certificates made by real `openssl`.
@Suite("the names a server certificate covers")
struct CertificateNamesTests {
    /// A self-signed certificate with `names` as its subjectAltName; returns its PEM file.
    func certificate(_ names: String) throws -> String {
        let base = RegVaultBinary.temporaryDirectory("names")
        let made = try Tool.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                            "-subj", "/CN=node", "-days", "1", "-addext", "subjectAltName=\(names)",
                                            "-keyout", base + ".key", "-out", base + ".pem"])
        #expect(made.status == 0, "\(made.stderr)")
        return base + ".pem"
    }

    @Test("DNS names case-insensitively, a wildcard for exactly one left-most label, addresses only by address")
    func covers() throws {
        let names = try CertificateNames(pemFile: try certificate("DNS:*.nodes.example,DNS:Vault.Example,IP:127.0.0.1,IP:::1"))
        for host in ["vault.example", "VAULT.example", "node1.nodes.example", "127.0.0.1", "::1", "[::1]"] {
            #expect(names.covers(host: host), "\(host)")
        }
        for host in ["other.example", "a.node1.nodes.example", "nodes.example", "127.0.0.2", "::2", "localhost"] {
            #expect(!names.covers(host: host), "\(host)")
        }
        #expect(names.description == "*.nodes.example, vault.example, 127.0.0.1, ::1")
    }

    @Test("an IP address is never covered by a DNS entry spelling it, nor a name by a bare top-level wildcard")
    func noLooseMatches() throws {
        let names = try CertificateNames(pemFile: try certificate("DNS:127.0.0.1,DNS:*.example"))
        #expect(!names.covers(host: "127.0.0.1"))
        #expect(!names.covers(host: "vault.example"))
    }
}
