import Foundation
import Testing
import VaultConfiguration

/// The configuration file, its ranges and its listen address: what is accepted, what is refused
/// and how the refusal reads. Inputs the fuzzer found worth keeping are replayed by
/// `Tests/python/test_fuzz_regressions.py`.
@Suite("configuration file")
struct ConfigurationFileTests {
    static let base = #""data":"d","listen":"127.0.0.1:0","tls":{"certificate":"s.pem","privateKey":"s.key","clientCAs":["ca.pem"]},"identities":[{"commonName":"i","roles":["regulator_read"],"allowFrom":["10.0.0.0/8"]}]"#

    /// Writes `text` as a configuration file in a fresh directory and loads it.
    func load(_ text: String) throws -> ServerConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.json")
        try Data(text.utf8).write(to: file)
        return try ServerConfiguration.load(path: file.path)
    }

    @Test("a minimal file loads, with relative paths resolved against its directory and the default limits")
    func minimal() throws {
        let configuration = try load("{\(Self.base)}")
        #expect(configuration.data.hasSuffix("/d") && configuration.data.hasPrefix("/"))
        #expect(configuration.tls.clientCAs.count == 1 && configuration.tls.clientCAs[0].hasSuffix("/ca.pem"))
        #expect(configuration.limits.maxBodyBytes == 16 * 1024 * 1024)
        #expect(configuration.limits.requestHeadSeconds == 10)
        #expect(configuration.sweepIntervalSeconds == 3600)
        #expect(configuration.identities[0].roles == [.regulatorRead])
    }

    @Test("each bad file is refused with a message naming what is wrong", arguments: [
        ("", "is not JSON"),
        ("[]", "is not a valid configuration"),
        ("{\(base),\"limits\":{\"bodySeconds\":0}}", "limits.bodySeconds must be 1 to 1000000, not 0"),
        ("{\(base),\"limits\":{\"maxConnections\":99999999999}}", "limits.maxConnections must be 1 to 1000000"),
        ("{\(base),\"limits\":{\"maxObjectBytes\":0}}", "limits.maxObjectBytes must be 1 to 1073741824"),
        ("{\(base),\"limits\":{\"maxBodyByte\":1}}", "unknown option 'maxBodyByte' in limits"),
        ("{\(base),\"storage\":{\"postgresql\":\"postgres://u@h/d\"}}", "unknown option 'postgresql' in storage"),
        ("{\(base),\"sweepIntervalSeconds\":-1}", "sweepIntervalSeconds must be 0 (off)"),
        ("{\(base),\"advertiseURL\":\"http://node1:8443\"}", "advertiseURL must be https://HOST or https://HOST:PORT"),
        ("{\(base),\"advertiseURL\":\"https://node1:8443/v1\"}", "with nothing after it, not 'https://node1:8443/v1'"),
        ("{\(base),\"advertiseURL\":\"https://u@node1\"}", "advertiseURL must be https://HOST"),
        ("{\(base),\"advertiseURL\":\"https://node1:0\"}", "advertiseURL must be https://HOST"),
        (#"{"data":"d","listen":"127.0.0.1","tls":{"certificate":"s","privateKey":"k","clientCAs":["c"]},"identities":[{"commonName":"i","roles":["admin"],"allowFrom":["::1/128"]}]}"#,
         "listen address '127.0.0.1' must be HOST:PORT"),
        (#"{"data":"d","listen":"[::1]:65536","tls":{"certificate":"s","privateKey":"k","clientCAs":["c"]},"identities":[{"commonName":"i","roles":["admin"],"allowFrom":["::1/128"]}]}"#,
         "port from 0 to 65535"),
        (#"{"data":"d","listen":"h:1","tls":{"certificate":"s","privateKey":"k","clientCAs":["c"]},"identities":[{"commonName":"i","roles":["root"],"allowFrom":["::1/128"]}]}"#,
         "identities[0].roles[0]"),
        (#"{"data":"d","listen":"h:1","tls":{"certificate":"s","privateKey":"k","clientCAs":["c"]},"identities":[{"commonName":"i","roles":["admin"],"allowFrom":["10.0.0.0/33"]}]}"#,
         "'10.0.0.0/33' is not a CIDR range"),
        (#"{"data":"d","listen":"h:1","tls":{"certificate":"s","privateKey":"k","clientCAs":[]},"identities":[{"commonName":"i","roles":["admin"],"allowFrom":["::1/128"]}]}"#,
         "tls.clientCAs is empty"),
    ])
    func refused(text: String, expected: String) {
        do {
            _ = try load(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test("storage.postgres is read as written; without it, the directory alone says where the vault is")
    func storage() throws {
        #expect(try load("{\(Self.base)}").storage == nil)
        let configuration = try load("{\(Self.base),\"storage\":{\"postgres\":\"postgres://regvault@db1:5432/vault\"}}")
        #expect(configuration.storage?.postgres == "postgres://regvault@db1:5432/vault")
    }

    @Test("the URL the other nodes redirect to: advertiseURL, else the bound URL of a named listen host, never a wildcard's")
    func advertisedURL() throws {
        let named = try load("{\(Self.base)}")
        #expect(named.advertisedURL(listening: "https://127.0.0.1:40123") == "https://127.0.0.1:40123")
        let configured = try load("{\(Self.base),\"advertiseURL\":\"https://node1.internal:8443\"}")
        #expect(configured.advertisedURL(listening: "https://127.0.0.1:40123") == "https://node1.internal:8443")
        for wildcard in ["0.0.0.0:8443", "[::]:8443"] {
            let open = try load("{\(Self.base.replacingOccurrences(of: "127.0.0.1:0", with: wildcard))}")
            #expect(open.advertisedURL(listening: "https://\(wildcard)") == nil, "\(wildcard)")
        }
    }

    @Test("CIDR ranges: canonical prefix lengths only, IPv4-mapped clients match IPv4 ranges")
    func ranges() throws {
        for text in ["10.0.0.0/08", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0", "10.0.0.0/8/8", "/8", "10.0.0.0/-1", "::1/129",
                     "10.0.0.0/999999999999999999999", "10.0.0.1\u{0}garbage/32", "0021:db8::8\u{0}/128", "::1%lo/128"] {
            #expect(CIDR(text) == nil, "accepted \(text)")
        }
        let range = try #require(CIDR("10.20.0.0/16"))
        #expect(range.contains("10.20.255.1"))
        #expect(range.contains("::ffff:10.20.0.9"))
        #expect(!range.contains("10.21.0.1"))
        #expect(!range.contains("not an address"))
        #expect(!range.contains("10.20.0.1\u{0}"))
        #expect(try #require(CIDR("0.0.0.0/0")).contains("203.0.113.7"))
        #expect(try #require(CIDR("2001:db8::/32")).contains("2001:db8:ffff::1"))
        #expect(!(try #require(CIDR("2001:db8::/32")).contains("10.0.0.1")))
    }

    @Test("listen addresses: HOST:PORT or [IPv6]:PORT with a port from 0 to 65535")
    func listenAddresses() throws {
        #expect(try ListenAddress("127.0.0.1:8443").port == 8443)
        #expect(try ListenAddress("[::1]:0").host == "::1")
        for text in ["", ":80", "host", "host:", "host:-1", "host:65536", "[::1]", "[::1]x80", "host:+80", "host:080", "host:99999999999999999999"] {
            #expect(throws: ServerError.self, "accepted \(text)") { try ListenAddress(text) }
        }
    }
}
