import Crypto
import Foundation
import Testing
@testable import VaultConfiguration
@testable import VaultCore
@testable import VaultServer

@Suite("E-mail and SFTP channels, and the read access of P1 notices")
struct MailSFTPAndAccessUnitTests {
    typealias Deliveries = ServerConfiguration.Deliveries

    static func incidentDelivery() -> Delivery {
        Delivery(destination: "mga-mail", channel: "email",
                 subject: .init(kind: "incident", eventId: "inc-1", entityType: "incident", entityId: "inc-1"), jurisdiction: "MT",
                 enqueuedAt: 1_795_000_000_000)
    }

    static let incidentPayload = Array(#"""
    {"data":{"deadlines":[{"dueAt":"2026-11-25T10:00:00.000Z","regime":"MGA","rule":"incident: notify the MGA within 3 working days"}],"incident":{"entity":{"id":"inc-1","type":"incident"},"eventId":"inc-1","jurisdiction":"MT","occurredAt":"2026-11-20T10:00:00Z","state":{"kind":"RNG_anomaly","players":["player-4711"],"severity":"P1"}},"seq":7},"type":"incident.raised"}
    """#.utf8)

    @Test("a P1 mail names kind, deadlines and how many players, never who; the same delivery makes the same bytes")
    func incidentMail() throws {
        let delivery = Self.incidentDelivery()
        let mail = try NoticeMail(payload: Self.incidentPayload, delivery: delivery, linkBase: "https://vault.example:8443/")
        let message = mail.message(from: "vault@operator.example", to: ["a@mga.example", "b@mga.example"], delivery: delivery,
                                   payloadSha256: "ab")
        let text = String(decoding: message, as: UTF8.self)
        #expect(mail.subject == "[RegVault] P1 incident: RNG_anomaly (MT)")
        #expect(text.contains("Message-ID: <\(delivery.id)@regvault.delivery>\r\n"))
        #expect(text.contains("To: a@mga.example, b@mga.example\r\n"))
        #expect(text.contains("MGA  due 2026-11-25T10:00:00.000Z"))
        #expect(text.contains("1 concerned"))
        #expect(!text.contains("player-4711"))
        #expect(!text.contains("\n\n") && text.contains("\r\n\r\n"), "CRLF line ends throughout")
        let again = try NoticeMail(payload: Self.incidentPayload, delivery: delivery, linkBase: "https://vault.example:8443/")
            .message(from: "vault@operator.example", to: ["a@mga.example", "b@mga.example"], delivery: delivery, payloadSha256: "ab")
        #expect(again == message)
    }

    @Test("header values lose line breaks (no header injection); a non-ASCII subject is an RFC 2047 word")
    func headerSafety() {
        #expect(NoticeMail.encodedHeader("Report\r\nBcc: x@evil.example") == "ReportBcc: x@evil.example")
        #expect(NoticeMail.encodedHeader("Curaçao") == "=?UTF-8?B?" + Data("Curaçao".utf8).base64EncodedString() + "?=")
    }

    @Test("a request's answer is not mailed: the payload says what it is, and the delivery is refused")
    func requestNotMailed() {
        let payload = Array(#"{"data":{},"type":"request.completed"}"#.utf8)
        #expect(throws: DeliveryPayloadError.self) {
            try NoticeMail(payload: payload, delivery: Self.incidentDelivery(), linkBase: nil)
        }
    }

    @Test("SFTP uploads under a hidden name, renames into place, the payload last; host key pinned per port")
    func sftpBatch() throws {
        let settings = Deliveries.SFTP(host: "sftp.mga.example", port: 2222, user: "op1", privateKey: "/k",
                                       hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8 comment", directory: "/incoming/")
        let channel = SFTPChannel(destination: "d", settings: settings, sftp: "/usr/bin/sftp", vault: nil)
        #expect(channel.knownHostsLine() == "[sftp.mga.example]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8\n")
        let batch = channel.batchCommands([("/tmp/f0", "msg_1-r.csv"), ("/tmp/p", "msg_1.json")])
        #expect(batch == """
        put "/tmp/f0" "/incoming/.msg_1-r.csv.partial"
        rename "/incoming/.msg_1-r.csv.partial" "/incoming/msg_1-r.csv"
        put "/tmp/p" "/incoming/.msg_1.json.partial"
        rename "/incoming/.msg_1.json.partial" "/incoming/msg_1.json"

        """)
        #expect(SFTPChannel.safeName("reports/MT/2026-11-20 summary\"; rm -rf.csv") == "2026-11-20_summary___rm_-rf.csv")
    }

    @Test("a destination has exactly one channel; mail needs TLS unless private; SFTP needs a pinned key")
    func channelValidation() throws {
        func validate(_ destination: Deliveries.Destination) throws { try Deliveries(destinations: [destination]).validate() }
        let email = Deliveries.Email(url: "smtp://relay.example:587", from: "v@o.example", to: ["r@m.example"])
        let sftp = Deliveries.SFTP(host: "h.example", user: "u", privateKey: "/k", hostKey: "ssh-ed25519 AAAA", directory: "/in")
        let webhook = Deliveries.Webhook(url: "https://h.example/x", secretFile: "/s")
        #expect(throws: Never.self) { try validate(.init(id: "m", email: email)) }
        #expect(throws: Never.self) { try validate(.init(id: "s", sftp: sftp)) }
        #expect { try validate(.init(id: "two", webhook: webhook, email: email)) } throws: { "\($0)".contains("exactly one") }
        #expect { try validate(.init(id: "none")) } throws: { "\($0)".contains("exactly one") }
        var plain = email
        plain.allowPlaintext = true
        #expect { try validate(.init(id: "p", email: plain)) } throws: { "\($0)".contains("allowPrivateAddress") }
        var wrongScheme = email
        wrongScheme.url = "http://relay.example"
        #expect { try validate(.init(id: "w", email: wrongScheme)) } throws: { "\($0)".contains("smtp://") }
        var badAddress = email
        badAddress.to = ["r@m.example>\r\nBcc: x"]
        #expect { try validate(.init(id: "b", email: badAddress)) } throws: { "\($0)".contains("not an address") }
        var unpinned = sftp
        unpinned.hostKey = "trust me"
        #expect { try validate(.init(id: "u", sftp: unpinned)) } throws: { "\($0)".contains("ssh-keyscan") }
        var relative = sftp
        relative.directory = "incoming"
        #expect { try validate(.init(id: "r", sftp: relative)) } throws: { "\($0)".contains("absolute") }
    }

    @Test("an access credential names its grant and only this key's credentials are accepted")
    func accessCredential() {
        let key = IncidentAccessKey(key: SymmetricKey(size: .bits256))
        let token = key.token(grantId: "acc_0123")
        #expect(token.hasPrefix("rvi_acc_0123."))
        #expect(key.grantId(of: token) == "acc_0123")
        #expect(key.token(grantId: "acc_0123") == token, "the same notice carries the same credential on every attempt")
        #expect(key.grantId(of: token.replacingOccurrences(of: "acc_0123", with: "acc_0124")) == nil)
        #expect(IncidentAccessKey(key: SymmetricKey(size: .bits256)).grantId(of: token) == nil)
        #expect(key.grantId(of: "rvi_acc_0123") == nil && key.grantId(of: "Bearer x") == nil)
    }

    @Test("the access journal keeps a link's query without its credential")
    func journalRedaction() {
        #expect(AccessJournalMiddleware.redacted("access=rvi_acc_1.SECRET&player=p-1") == "access=redacted&player=p-1")
        #expect(AccessJournalMiddleware.redacted("player=p-1") == "player=p-1")
    }
}
