import Foundation
import Testing
@testable import VaultServer
import VaultConfiguration

@Suite("Outbound delivery: Standard Webhooks signatures, back-off and address checks")
struct DeliveryUnitTests {
    @Test("the signature is the Standard Webhooks specification's example")
    func standardWebhooksVector() throws {
        // From the Standard Webhooks specification (standardwebhooks.com): the same secret, id,
        // timestamp and payload give this signature in every conforming library.
        let signer = try WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                         body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(signer.signature(id: "msg_other", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8)) != signature)
    }

    @Test("a secret must be whsec_ and base64 of at least 16 bytes")
    func secretForm() {
        #expect(throws: ServerError.self) { try WebhookSignature(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: ServerError.self) { try WebhookSignature(secret: "whsec_not base64!") }
        #expect(throws: ServerError.self) { try WebhookSignature(secret: "whsec_c2hvcnQ=") }
        #expect(throws: Never.self) { try WebhookSignature(secret: WebhookSignature.newSecret() + "\n") }
    }

    @Test("a secret file open to others is refused, naming the fix")
    func secretFileMode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(WebhookSignature.newSecret().utf8),
                                       attributes: [.posixPermissions: 0o644])
        #expect { try WebhookSignature.load(path: path) } throws: { "\($0)".contains("chmod 600") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(throws: Never.self) { try WebhookSignature.load(path: path) }
    }

    @Test("waits double from the first up to the longest, each drawn from its upper half")
    func backOff() {
        let policy = RetryPolicy(ServerConfiguration.Deliveries(destinations: [], maxAttempts: 8, firstRetrySeconds: 2,
                                                                 maxRetrySeconds: 30))
        for _ in 0..<200 {
            #expect((1_000...2_000).contains(policy.delayMillis(afterAttempt: 1)))
            #expect((2_000...4_000).contains(policy.delayMillis(afterAttempt: 2)))
            #expect((8_000...16_000).contains(policy.delayMillis(afterAttempt: 4)))
            #expect((15_000...30_000).contains(policy.delayMillis(afterAttempt: 5)))
            #expect((15_000...30_000).contains(policy.delayMillis(afterAttempt: 90)))
        }
        let draws = Set((0..<50).map { _ in policy.delayMillis(afterAttempt: 3) })
        #expect(draws.count > 10, "the waits are jittered")
    }

    @Test("loopback, private, link-local and mapped addresses are private; public ones are not")
    func privateAddresses() {
        for address in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                        "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fd00::1", "fe80::1%eth0", "::ffff:10.0.0.1",
                        "::ffff:127.0.0.1", "ff02::1", "not an address"] {
            #expect(OutboundAddress.isPrivate(address), "\(address)")
        }
        for address in ["8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"] {
            #expect(!OutboundAddress.isPrivate(address), "\(address)")
        }
    }

    @Test("a destination on loopback is refused before any connection unless allowed")
    func loopbackRefused() async throws {
        await #expect { try await OutboundAddress.requirePublic(host: "localhost", port: 443) } throws: {
            "\($0)".contains("private or loopback") && "\($0)".contains("allowPrivateAddress")
        }
        await #expect { try await OutboundAddress.requirePublic(host: "[::1]", port: 443) } throws: { _ in true }
    }
}
