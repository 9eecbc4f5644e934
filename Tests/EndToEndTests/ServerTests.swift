import Foundation
import Testing
import VaultCore
import VaultFormat
import VaultSandbox

/// The real server on a loopback port chosen by the kernel, spoken to with `curl` and `openssl` the
/// way an inspector or an operator would.
@Suite("HTTPS server over mutual TLS", .serialized)
struct ServerTests {
    /// A running `regvault serve`; stopped with SIGTERM when the test ends.
    final class Server {
        let process = Process()
        let url: String
        let data: String
        var certs: String { data + "/dev-certs" }

        init(arguments: [String], data: String) throws {
            self.data = data
            process.executableURL = RegVaultBinary.url
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while !text.contains("listening on ") || !text.contains("\n"), Date() < deadline {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else {
                process.terminate()
                throw CLIFailure("server did not start: \(text)")
            }
            url = String(line.dropFirst("listening on ".count))
        }

        static func dev(_ data: String) throws -> Server {
            // The report schedule (its own tests) would write report records beside what each test writes.
            try Server(arguments: ["serve", "--dev", "--data", data, "--listen", "127.0.0.1:0", "--report-interval", "0"], data: data)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }

        /// `curl` as `role` (a certificate in dev-certs, or nil for none); returns status and body.
        func curl(_ path: String, as role: String?, extra: [String] = []) throws -> (status: Int, body: String) {
            var arguments = ["-sS", "--max-time", "20", "--cacert", certs + "/ca.pem", "-o", "-", "-w", "\n%{http_code}"]
            if let role { arguments += ["--cert", "\(certs)/\(role).pem", "--key", "\(certs)/\(role).key"] }
            let result = try Tool.run("curl", arguments + extra + [url + path])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.last ?? "") ?? 0
            return (result.status == 0 ? status : 0, lines.dropLast().joined(separator: "\n"))
        }
    }

    struct CLIFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    func records(_ count: Int, seed: UInt64 = 31) -> String {
        SyntheticRecords(seed: seed, count: count).map { $0 + "\n" }.joined()
    }

    @Test("an ingest client posts records and an inspector gets an audit trail whose proofs verify, with curl")
    func happyPath() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        let body = server.data + "-records.jsonl"
        try records(600).write(toFile: body, atomically: true, encoding: .utf8)
        let ingest = try server.curl("/v1/records", as: "ingest",
                                     extra: ["-X", "POST", "-H", "Content-Type: application/x-ndjson", "--data-binary", "@" + body])
        #expect(ingest.status == 200, "\(ingest.body)")
        let results = try json(ingest.body)["results"] as! [[String: Any]]
        #expect(results.map { $0["seq"] as! Int } == Array(1...600))  // seq 0: the retention policy
        let counted = try server.curl("/metrics", as: "admin").body
        #expect(counted.contains(#"regvault_ingest_records_total{result="stored"} 600"#), "\(counted)")

        // The README's inspector command.
        let audit = try server.curl("/regulator/audit?entity=bonusRule&id=123", as: "regulator_read")
        #expect(audit.status == 200, "\(audit.body)")
        let trail = try json(audit.body)
        let key = try NoteVerifierKey(String(contentsOfFile: server.data + "/log.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let checkpoint = try SignedCheckpoint(verifying: Array((trail["checkpoint"] as! String).utf8), verifierKeys: [key])
        let changes = trail["changes"] as! [[String: Any]]
        #expect(!changes.isEmpty)
        for change in changes {
            let inclusion = change["inclusion"] as! [String: Any]
            #expect(inclusion["treeSize"] as! Int == Int(checkpoint.checkpoint.size))
            let entry = Data(base64Encoded: change["entry"] as! String)!
            try ProofCheck.checkInclusion(leafHash: MerkleHashing.leafHash(entry), index: Int64(inclusion["index"] as! Int),
                                          size: Int64(checkpoint.checkpoint.size),
                                          proof: (inclusion["hashes"] as! [String]).map { Hash(base64: $0)! },
                                          root: checkpoint.checkpoint.rootHash)
        }
        // Every other route answers.
        // The log has grown since the trail's checkpoint by the access entry of the audit request
        // itself (journaled before its answer left), so the latest checkpoint is a later one.
        let note = try server.curl("/regulator/checkpoint", as: "compliance_officer")
        #expect(note.status == 200)
        let latest = try SignedCheckpoint(verifying: Array((note.body.hasSuffix("\n") ? note.body : note.body + "\n").utf8),
                                          verifierKeys: [key])
        #expect(latest.checkpoint.size > checkpoint.checkpoint.size)
        #expect(try server.curl("/regulator/proof/inclusion?seq=5", as: "regulator_read").status == 200)
        #expect(try server.curl("/regulator/proof/consistency?from=1&to=600", as: "regulator_read").status == 200)
        #expect(try server.curl("/log/checkpoint", as: "ingest").status == 200)
        #expect(try server.curl("/healthz", as: "admin").status == 200)
        // On SQLite the one server is always the sequencer.
        let sequencer = try server.curl("/healthz/sequencer", as: "ingest")
        #expect(sequencer.status == 200 && sequencer.body.contains(#""sequencer":true"#) && sequencer.body.contains(#""storage":"sqlite""#))
        let tile = try Tool.run("curl", ["-sS", "--cacert", server.certs + "/ca.pem", "--cert", server.certs + "/admin.pem",
                                         "--key", server.certs + "/admin.key", "-o", server.data + "-tile", server.url + "/log/tile/0/001"])
        #expect(tile.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: server.data + "-tile")).count == 256 * 32)
    }

    @Test("anyone without the right certificate, role or protocol is refused")
    func refusals() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        // No client certificate, or one from another CA: the TLS handshake fails.
        #expect(try server.curl("/healthz", as: nil).status == 0)
        #expect(try server.curl("/healthz", as: "other-ca-client").status == 0)
        // A valid certificate without the route's role: 403 with a code.
        let wrongRole = try server.curl("/regulator/audit?entity=bonusRule&id=123", as: "ingest")
        #expect(wrongRole.status == 403 && wrongRole.body.contains("role_not_allowed"))
        let inspectorWriting = try server.curl("/v1/records", as: "regulator_read", extra: ["-X", "POST", "--data-binary", "[]"])
        #expect(inspectorWriting.status == 403)
        // TLS 1.1 is refused, while the same client negotiates TLS 1.2.
        let host = server.url.replacingOccurrences(of: "https://", with: "")
        func handshake(_ version: String) throws -> Tool.Result {
            try Tool.run("openssl", ["s_client", "-connect", host, version, "-cipher", "DEFAULT:@SECLEVEL=0",
                                     "-cert", server.certs + "/admin.pem", "-key", server.certs + "/admin.key",
                                     "-CAfile", server.certs + "/ca.pem"], input: "")
        }
        let tls12 = try handshake("-tls1_2")
        #expect(tls12.stdout.contains("Protocol  : TLSv1.2") && !tls12.stdout.contains("Cipher is (NONE)"))
        let tls11 = try handshake("-tls1_1")
        #expect(tls11.status != 0 && tls11.stdout.contains("Cipher is (NONE)") && tls11.stderr.contains("protocol version"))
        let metrics = try server.curl("/metrics", as: "admin").body
        #expect(metrics.contains(#"regvault_refusals_total{reason="role_not_allowed"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"api_response_time_bucket{route="/regulator/audit",status="403""#), "\(metrics)")
        #expect(metrics.contains("regvault_checkpoint_age_seconds ") && metrics.contains("regvault_tree_size "))
    }

    @Test("bad input on each route gets a 4xx with a code and stores nothing")
    func badInput() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        _ = try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", records(3)])
        // Inspector requests add access entries, so count the client records rather than the tree.
        func clientRecords() throws -> Int {
            try ["audit.change", "kyc", "aml", "payment", "gaming", "responsible_gambling", "rng", "incident", "report"].reduce(0) {
                $0 + (try json(server.curl("/regulator/logs/\($1)?limit=1000", as: "regulator_read").body)["records"] as! [Any]).count
            }
        }
        let before = try clientRecords()
        #expect(before == 3)
        var lines = records(4, seed: 77).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: #""actor":"#, with: #""actr":"#)
        let cases: [(String, [String], Int, String)] = [
            ("/v1/records", ["-X", "POST", "--data-binary", "{not json"], 400, "malformed"),
            ("/v1/records", ["-X", "POST", "--data-binary", "[{\"eventId\":1}]"], 400, "missing_field"),
            ("/v1/records", ["-X", "POST", "--data-binary", lines.joined(separator: "\n")], 400, "\"line\":3"),
            ("/v1/records", ["-X", "POST", "--data-binary", ""], 400, "empty_batch"),
            ("/regulator/proof/inclusion?seq=-1", [], 400, "invalid_parameter"),
            ("/regulator/proof/inclusion?seq=999999", [], 400, "invalid_request"),
            ("/regulator/proof/inclusion?seq=007", [], 400, "invalid_parameter"),
            ("/regulator/proof/consistency?from=3&to=99999999999999999999", [], 400, "invalid_parameter"),
            ("/regulator/audit?entity=bonusRule", [], 400, "missing_parameter"),
            ("/regulator/audit?entity=bonusRule&id=nobody", [], 404, "not_found"),
            ("/log/tile/0/x001", [], 404, "no_such_tile"),
            ("/log/tile/0/005", [], 404, "no_such_tile"),
        ]
        for (path, extra, status, code) in cases {
            let role = path.hasPrefix("/v1") ? "ingest" : "regulator_read"
            let result = try server.curl(path, as: role, extra: extra)
            #expect(result.status == status && result.body.contains(code), "\(path): \(result.status) \(result.body)")
        }
        #expect(try clientRecords() == before)
    }

    @Test("an identity connecting from an address outside its allowFrom ranges is refused")
    func addressAllowlist() throws {
        let (devData, config) = try productionStyleConfiguration("allowlist")
        let server = try Server(arguments: ["serve", "--config", config], data: devData)
        #expect(try server.curl("/regulator/checkpoint", as: "regulator_read").status == 200)
        let elsewhere = try server.curl("/regulator/checkpoint", as: "regulator_read", extra: ["--interface", "127.0.0.2"])
        #expect(elsewhere.status == 403 && elsewhere.body.contains("address_not_allowed"))
        let unknown = try server.curl("/regulator/checkpoint", as: "admin")
        #expect(unknown.status == 403 && unknown.body.contains("unknown_identity"))
    }

    @Test("a stream's log pages through every record of that stream, as JSON, JSON lines or CSV; a player's timeline spans streams")
    func logsAndPlayerTimeline() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        let input = records(600, seed: 52)
        let body = server.data + "-records.jsonl"
        try input.write(toFile: body, atomically: true, encoding: .utf8)
        #expect(try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", "@" + body]).status == 200)
        let submitted = try input.split(separator: "\n").map { try json(String($0)) }
        let payments = submitted.filter { $0["stream"] as? String == "payment" }.map { $0["eventId"] as! String }

        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try server.curl("/regulator/logs/payment?limit=50" + (cursor.map { "&cursor=" + $0 } ?? ""),
                                       as: "regulator_read")
            #expect(page.status == 200, "\(page.body)")
            let object = try json(page.body)
            let records = object["records"] as! [[String: Any]]
            #expect(records.count <= 50)
            seen += records.map { $0["eventId"] as! String }
            cursor = object["nextCursor"] as? String
        } while cursor != nil
        #expect(seen == payments)

        let csv = try server.curl("/regulator/logs/payment?limit=10", as: "regulator_read", extra: ["-H", "Accept: text/csv"])
        let rows = csv.body.split(separator: "\r\n")
        #expect(rows.first == "seq,recordedAt,occurredAt,stream,eventId,entityType,entityId,action,actorId,actorRole,actorIp,reason,jurisdiction,playerId,decisionId,policyVer,erased,amount,currency,method,status,country,declineReason")
        #expect(rows.count == 11)
        // The content columns: the first payment's currency, method and status, in that order.
        let firstPayment = submitted.first { $0["eventId"] as? String == payments[0] }?["state"] as? [String: Any] ?? [:]
        let content = "," + ["currency", "method", "status"].map { firstPayment[$0] as? String ?? "?" }.joined(separator: ",") + ","
        #expect(rows.count > 1 && rows[1].contains(content), "\(rows.dropFirst().first ?? "") lacks \(content)")
        let ndjson = try server.curl("/regulator/logs/kyc?limit=7", as: "regulator_read", extra: ["-H", "Accept: application/x-ndjson"])
        #expect(ndjson.body.split(separator: "\n").count == 7)
        let future = try server.curl("/regulator/logs/payment?from=2099-01-01T00:00:00Z", as: "regulator_read")
        #expect((try json(future.body)["records"] as! [Any]).isEmpty)

        let player = submitted.compactMap { $0["playerId"] as? String }.first!
        let expected = submitted.filter { $0["playerId"] as? String == player }.map { $0["eventId"] as! String }
        let timeline = try json(server.curl("/regulator/player/\(player)?limit=1000", as: "compliance_officer").body)
        #expect((timeline["records"] as! [[String: Any]]).map { $0["eventId"] as! String } == expected)

        for (path, code) in [("/regulator/logs/bets", "unknown_stream"), ("/regulator/logs/kyc?from=yesterday", "invalid_parameter"),
                             ("/regulator/logs/kyc?cursor=not-a-cursor", "invalid_cursor"), ("/regulator/logs/kyc?limit=0", "invalid_parameter"),
                             ("/regulator/logs/kyc?limit=1001", "invalid_parameter"),
                             ("/regulator/logs/kyc?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid_request")] {
            let result = try server.curl(path, as: "regulator_read")
            #expect(result.status == 400 && result.body.contains(code), "\(path): \(result.body)")
        }
    }

    @Test("report records are listed under the period they cover (or the day they were filed), and each can be fetched there")
    func reports() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        var reports = (1...3).map { n in
            #"{"eventId":"rep-\#(n)","stream":"report","entity":{"type":"report","id":"mga-monthly-2026-10-\#(n)"},"action":"filed","actor":{"id":"report-generator","role":"system"},"occurredAt":"2026-11-01T06:00:00Z","jurisdiction":"MT","state":{"format":"csv","period":"2026-10","sha256":"\#(String(repeating: "ab", count: 32))"}}"#
        }
        reports.append(#"{"eventId":"rep-4","stream":"report","entity":{"type":"report","id":"adhoc-1"},"action":"filed","actor":{"id":"report-generator","role":"system"},"occurredAt":"2026-11-01T06:00:00Z","jurisdiction":"MT","state":{"format":"csv"}}"#)
        #expect(try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", reports.joined(separator: "\n")]).status == 200)
        let day = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        func listed(_ period: String) throws -> [String] {
            try (json(server.curl("/regulator/reports/\(period)", as: "regulator_read").body)["records"] as! [[String: Any]])
                .map { $0["eventId"] as! String }
        }
        #expect(try listed("2026-10") == ["rep-1", "rep-2", "rep-3"])
        #expect(try listed("2026-Q4") == ["rep-1", "rep-2", "rep-3"] + (day.hasPrefix("2026-1") ? ["rep-4"] : []))
        #expect(try listed("2026-10-15").isEmpty, "a day inside the month does not hold the month's report")
        #expect(try listed(day) == ["rep-4"], "a record that names no period lists under the day it was filed")
        let one = try server.curl("/regulator/reports/2026-10/rep-2", as: "compliance_officer")
        let fetched = try json(one.body)
        #expect(one.status == 200 && fetched["eventId"] as? String == "rep-2")
        #expect(try server.curl("/regulator/reports/\(day)/rep-2", as: "compliance_officer").status == 404)
        let empty = try json(server.curl("/regulator/reports/2001-01", as: "regulator_read").body)
        #expect((empty["records"] as! [Any]).isEmpty)
        let bad = try server.curl("/regulator/reports/2026-13", as: "regulator_read")
        #expect(bad.status == 400 && bad.body.contains("invalid_period"))
        #expect(try server.curl("/regulator/reports/2001-01/rep-2", as: "regulator_read").status == 404)
    }

    @Test("every inspector request, answered or refused, becomes an access entry in the log")
    func accessEntries() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        _ = try server.curl("/v1/records", as: "ingest", extra: ["-X", "POST", "--data-binary", records(200)])
        #expect(try server.curl("/regulator/audit?entity=bonusRule&id=123", as: "regulator_read").status == 200)
        #expect(try server.curl("/regulator/logs/kyc?limit=5", as: "compliance_officer").status == 200)
        #expect(try server.curl("/regulator/audit?entity=bonusRule&id=123", as: "ingest").status == 403)
        usleep(600_000)  // the journal writes its batch within 200 ms
        let accesses = try json(server.curl("/regulator/logs/vault.access", as: "compliance_officer").body)["records"]
            as! [[String: Any]]
        let seen = accesses.map { record -> String in
            let record = try! json(String(decoding: Data(base64Encoded: record["record"] as! String)!, as: UTF8.self))
            let request = record["request"] as! [String: Any]
            return "\((record["actor"] as! [String: Any])["id"]!) \(request["path"]!) \(request["status"]!) \(request["resultCount"] ?? "-")"
        }
        #expect(seen.contains { $0.hasPrefix("regulator_read /regulator/audit 200 ") && !$0.hasSuffix(" -") })
        #expect(seen.contains("compliance_officer /regulator/logs/kyc 200 5"))
        #expect(seen.contains("ingest /regulator/audit 403 -"))
        // They are leaves of kind "access" (2), covered by the signed checkpoint like every record.
        let entry = Data(base64Encoded: accesses[0]["entry"] as! String)!
        #expect(entry[1] == 2)
    }

    @Test("SIGTERM lets an ingest in flight finish: whatever was acknowledged is stored")
    func gracefulShutdown() throws {
        let server = try Server.dev(RegVaultBinary.temporaryDirectory("server"))
        let body = server.data + "-records.jsonl"
        try records(5_000, seed: 41).write(toFile: body, atomically: true, encoding: .utf8)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-sS", "--cacert", server.certs + "/ca.pem", "--cert", server.certs + "/ingest.pem",
                          "--key", server.certs + "/ingest.key", "-X", "POST", "--data-binary", "@" + body,
                          "-o", server.data + "-acks.json", "-w", "%{http_code}", server.url + "/v1/records"]
        let status = Pipe()
        curl.standardOutput = status
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        usleep(150_000)
        kill(server.process.processIdentifier, SIGTERM)
        curl.waitUntilExit()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        let code = String(decoding: status.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // The request was in flight when SIGTERM came: it must finish, not be cut off.
        #expect(code == "200")
        guard code == "200" else { return }
        let acks = try json(String(contentsOfFile: server.data + "-acks.json", encoding: .utf8))["results"] as! [[String: Any]]
        let vault = try Vault.open(at: server.data)
        let stored = try vault.store.records(eventIds: acks.map { $0["eventId"] as! String })
        #expect(stored.count == acks.count)
        for ack in acks { #expect(stored[ack["eventId"] as! String]?.seq == Int64(ack["seq"] as! Int)) }
    }

    @Test("a configuration that keeps the vault in PostgreSQL refuses a data directory whose vault is in SQLite")
    func declaredStorageMismatch() throws {
        let (_, config) = try productionStyleConfiguration(
            "declared", extra: #", "storage": {"postgres": "postgres://regvault@db1.internal:5432/vault"}"#)
        let data = String(config.dropLast("-config.json".count))
        let result = try RegVaultBinary.run(["serve", "--config", config])
        #expect(result.status != 0)
        #expect(result.stderr.contains("keeps the vault in postgres://regvault@db1.internal:5432/vault"))
        #expect(result.stderr.contains("regvault migrate --from sqlite:\(data)"))
    }

    /// A new SQLite vault named after `name` and a production-style configuration file for it,
    /// reusing a development server's certificates, with one identity (regulator_read, from
    /// 127.0.0.1 only) and `extra` members; returns the development data directory (its
    /// certificates) and the configuration file, `<vault directory>-config.json`.
    func productionStyleConfiguration(_ name: String, extra: String = "") throws -> (devData: String, config: String) {
        let devData = RegVaultBinary.temporaryDirectory("server")
        _ = try Server.dev(devData)
        let data = RegVaultBinary.temporaryDirectory(name)
        #expect(try RegVaultBinary.run(["init", "--data", data, "--origin", "\(name).test/log"]).status == 0)
        let config = """
        {"data": "\(data)", "listen": "127.0.0.1:0",
         "tls": {"certificate": "\(devData)/dev-certs/server.pem", "privateKey": "\(devData)/dev-certs/server.key",
                 "clientCAs": ["\(devData)/dev-certs/ca.pem"]},
         "identities": [{"commonName": "regulator_read", "roles": ["regulator_read"], "allowFrom": ["127.0.0.1/32"]}]\(extra)}
        """
        try config.write(toFile: data + "-config.json", atomically: true, encoding: .utf8)
        return (devData, data + "-config.json")
    }

    @Test("production mode refuses to start without a configuration")
    func productionNeedsConfiguration() throws {
        let result = try RegVaultBinary.run(["serve"])
        #expect(result.status != 0 && result.stderr.contains("--config"))
    }
}
