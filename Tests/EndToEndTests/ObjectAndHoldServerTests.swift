import Crypto
import Foundation
import Testing
import VaultFormat

/// Objects with S3 Object Lock headers, legal holds and record retention over real mutual TLS, with
/// `curl`, on a vault whose report class is in governance mode so that the bypass can be shown.
@Suite("objects, holds and retention over HTTPS", .serialized)
struct ObjectAndHoldServerTests {
    typealias Server = ServerTests.Server

    /// A vault with a policy whose reports are governance-mode for one year, served in dev mode.
    func server(sweepEverySecond: Bool = false) throws -> Server {
        let data = RegVaultBinary.temporaryDirectory("objects")
        let policies = data + "-policies"
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        let others = #"["audit.change","kyc","aml","payment","gaming","responsible_gambling","rng","incident"]"#
        try #"{"policy":"default","jurisdiction":"*","title":"Test default","version":"t1","rules":[{"class":"default.all","streams":\#(others),"years":7,"trigger":"recorded","mode":"compliance","source":"test"},{"class":"default.reports","streams":["report"],"years":1,"trigger":"recorded","mode":"governance","source":"test"}]}"#
            .write(toFile: policies + "/default.json", atomically: true, encoding: .utf8)
        let created = try RegVaultBinary.run(["init", "--data", data, "--origin", "objects.test/log", "--retention", policies])
        guard created.status == 0 else { throw ServerTests.CLIFailure(created.stderr) }
        guard sweepEverySecond else { return try Server.dev(data) }
        return try Server(arguments: ["serve", "--dev", "--data", data, "--listen", "127.0.0.1:0", "--sweep-interval", "1",
                                      "--report-interval", "0"],
                          data: data)
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// `curl -i`: status, headers (lower-cased names) and body.
    func request(_ server: Server, _ path: String, as role: String, _ extra: [String]) throws
        -> (status: Int, headers: [String: String], body: String) {
        let result = try server.curl(path, as: role, extra: ["-i"] + extra)
        let parts = result.body.components(separatedBy: "\r\n\r\n")
        var headers: [String: String] = [:]
        for line in parts[0].components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (result.status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test("objects: write-once versions with lock headers, digest-checked reads, governance bypass and compliance refusal")
    func objects() throws {
        let server = try server()
        let marker = "MARKER-" + UUID().uuidString
        let report = "player,deposits\np1,100\n\(marker)\n"
        let file = server.data + "-report.csv"
        try report.write(toFile: file, atomically: true, encoding: .utf8)
        let put = try request(server, "/v1/objects/reports/2026-11/players.csv", as: "ingest", [
            "-X", "PUT", "-H", "Content-Type: text/csv", "-H", "x-regvault-report-period: 2026-11",
            "-H", "x-amz-object-lock-mode: GOVERNANCE", "-H", "x-amz-object-lock-retain-until-date: 2030-01-01T00:00:00Z",
            "--data-binary", "@" + file])
        #expect(put.status == 200, "\(put.body)")
        let first = try json(put.body)
        let digest = SHA256.hash(data: Data(report.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(first["sha256"] as? String == digest)
        #expect(put.headers["x-amz-object-lock-mode"] == "GOVERNANCE")
        #expect(put.headers["x-amz-object-lock-retain-until-date"] == "2030-01-01T00:00:00.000Z")
        let firstVersion = first["versionId"] as! String

        // Overwriting makes a new version; the old one keeps its lock.
        let second = try request(server, "/v1/objects/reports/2026-11/players.csv", as: "ingest", [
            "-X", "PUT", "-H", "Content-Type: text/csv", "-H", "x-regvault-report-period: 2026-11",
            "-H", "x-amz-object-lock-mode: COMPLIANCE", "--data-binary", "second version"])
        #expect(second.status == 200 && second.headers["x-amz-object-lock-mode"] == "COMPLIANCE", "\(second.body)")
        let secondVersion = try json(second.body)["versionId"] as! String
        let versions = try json(request(server, "/v1/objects/reports/2026-11/players.csv?versions=true",
                                        as: "compliance_officer", []).body)["versions"] as! [[String: Any]]
        #expect(versions.map { $0["versionId"] as! String } == [firstVersion, secondVersion])

        let read = try request(server, "/v1/objects/reports/2026-11/players.csv?versionId=\(firstVersion)",
                               as: "compliance_officer", [])
        #expect(read.status == 200 && read.body == report && read.headers["etag"] == "\"\(digest)\"")
        let head = try request(server, "/v1/objects/reports/2026-11/players.csv", as: "admin", ["-I"])
        #expect(head.status == 200 && head.headers["x-amz-version-id"] == secondVersion
            && head.headers["x-amz-object-lock-legal-hold"] == "OFF")
        #expect(try request(server, "/v1/objects/reports/2026-11/players.csv", as: "regulator_read", []).status == 403)

        // Inspectors list and download it under its reporting period.
        let listing = try json(request(server, "/regulator/reports/2026-11", as: "regulator_read", []).body)
        #expect((listing["objects"] as! [[String: Any]]).count == 2)
        let download = try request(server, "/regulator/reports/2026-11/object:\(firstVersion)", as: "regulator_read", [])
        #expect(download.status == 200 && download.body == report)

        // The bytes are encrypted at rest.
        for name in try FileManager.default.subpathsOfDirectory(atPath: server.data + "/objects") {
            let bytes = FileManager.default.contents(atPath: server.data + "/objects/" + name) ?? Data()
            #expect(bytes.range(of: Data(marker.utf8)) == nil)
        }

        // Deleting a locked version: not without admin, bypass and reason; never in compliance mode.
        let path = "/v1/objects/reports/2026-11/players.csv?versionId=\(firstVersion)"
        let asIngest = try request(server, path, as: "ingest", ["-X", "DELETE", "-H", "x-amz-bypass-governance-retention: true",
                                                                "-H", "x-regvault-reason: cleanup"])
        #expect(asIngest.status == 403 && asIngest.body.contains("governance_bypass_required"), "\(asIngest.body)")
        let noFlag = try request(server, path, as: "admin", ["-X", "DELETE", "-H", "x-regvault-reason: cleanup"])
        #expect(noFlag.status == 403 && noFlag.body.contains("governance_bypass_required"))
        let compliance = try request(server, "/v1/objects/reports/2026-11/players.csv?versionId=\(secondVersion)", as: "admin",
                                     ["-X", "DELETE", "-H", "x-amz-bypass-governance-retention: true", "-H", "x-regvault-reason: x"])
        #expect(compliance.status == 403 && compliance.body.contains("compliance_mode"), "\(compliance.body)")
        let deleted = try request(server, path, as: "admin", ["-X", "DELETE", "-H", "x-amz-bypass-governance-retention: true",
                                                              "-H", "x-regvault-reason: wrong file uploaded"])
        #expect(deleted.status == 200, "\(deleted.body)")
        #expect(try request(server, path, as: "admin", []).status == 410)
        #expect(try request(server, "/v1/objects/reports/2026-11/players.csv", as: "admin", []).body == "second version")
        #expect(!FileManager.default.fileExists(atPath: server.data + "/objects/\(firstVersion.prefix(2))/\(firstVersion)"))

        // Bad input is refused with a code.
        let badKey = try request(server, "/v1/objects/reports/bad%20name.csv", as: "ingest", ["-X", "PUT", "--data-binary", "x"])
        #expect(badKey.status == 400 && badKey.body.contains("invalid_key"), "\(badKey.body)")
        let badLock = try request(server, "/v1/objects/a.txt", as: "ingest", ["-X", "PUT", "-H", "x-amz-object-lock-mode: FOREVER",
                                                                           "--data-binary", "x"])
        #expect(badLock.status == 400 && badLock.body.contains("invalid_lock"))

        // The report rule (governance, one year) is a floor: a retention ending before it is refused
        // with the rule named, never silently raised, and nothing is stored.
        let belowFloor = try request(server, "/v1/objects/short.txt", as: "ingest", [
            "-X", "PUT", "-H", "x-amz-object-lock-mode: GOVERNANCE",
            "-H", "x-amz-object-lock-retain-until-date: \(Timestamp.format(millis: Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000))",
            "--data-binary", "x"])
        #expect(belowFloor.status == 400 && belowFloor.body.contains("default.reports"), "\(belowFloor.body)")
        #expect(try request(server, "/v1/objects/short.txt?versions=true", as: "ingest", []).status == 404)
    }

    @Test("legal holds over HTTPS: only compliance officers place and lift them, and they block deletion")
    func holds() throws {
        let server = try server()
        let put = try request(server, "/v1/objects/contracts/c1.pdf", as: "ingest", [
            "-X", "PUT", "-H", "x-amz-object-lock-mode: GOVERNANCE", "--data-binary", "pdf bytes"])
        let version = try json(put.body)["versionId"] as! String
        let body = #"{"scope":{"objectKey":"contracts/c1.pdf"},"caseRef":"CASE-77","reason":"subpoena"}"#
        #expect(try request(server, "/v1/holds", as: "ingest", ["-X", "POST", "--data-binary", body]).status == 403)
        let placed = try request(server, "/v1/holds", as: "compliance_officer", ["-X", "POST", "--data-binary", body])
        #expect(placed.status == 201, "\(placed.body)")
        let hold = try json(placed.body)["hold"] as! [String: Any]
        let holdId = hold["holdId"] as! String
        #expect(hold["placedBy"] as? String == "compliance_officer" && hold["status"] as? String == "active")

        let blocked = try request(server, "/v1/objects/contracts/c1.pdf?versionId=\(version)", as: "admin",
                                  ["-X", "DELETE", "-H", "x-amz-bypass-governance-retention: true", "-H", "x-regvault-reason: x"])
        #expect(blocked.status == 403 && blocked.body.contains("legal_hold"), "\(blocked.body)")
        let listed = try json(request(server, "/v1/holds", as: "compliance_officer", []).body)["holds"] as! [[String: Any]]
        #expect(listed.map { $0["holdId"] as! String } == [holdId])

        let badScope = try request(server, "/v1/holds", as: "compliance_officer", ["-X", "POST", "--data-binary",
                                   #"{"scope":{"playerId":"p1","stream":"kyc"},"caseRef":"C","reason":"r"}"#])
        #expect(badScope.status == 400 && badScope.body.contains("invalid_request"))
        let lift = try request(server, "/v1/holds/\(holdId)/lift", as: "compliance_officer",
                               ["-X", "POST", "--data-binary", #"{"reason":"case closed"}"#])
        #expect(lift.status == 200, "\(lift.body)")
        #expect(try request(server, "/v1/holds/\(holdId)/lift", as: "compliance_officer",
                            ["-X", "POST", "--data-binary", #"{"reason":"again"}"#]).status == 409)
        #expect(try request(server, "/v1/holds/hold-none/lift", as: "compliance_officer",
                            ["-X", "POST", "--data-binary", #"{"reason":"x"}"#]).status == 404)
        let all = try json(request(server, "/v1/holds?all=true", as: "compliance_officer", []).body)["holds"] as! [[String: Any]]
        #expect(all.first?["status"] as? String == "lifted")
        let history = try json(request(server, "/regulator/audit?entity=legal_hold&id=\(holdId)", as: "regulator_read", []).body)
        #expect((history["changes"] as! [[String: Any]]).count == 2)
    }

    @Test("the server sweeps by itself: a record whose governance retention an admin ended is erased within seconds")
    func periodicSweep() async throws {
        let server = try server(sweepEverySecond: true)
        let record = #"{"eventId":"rep-1","stream":"report","entity":{"type":"report","id":"r1"},"action":"filed","actor":{"id":"reporter"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"MT","state":{"file":"q4.xml"}}"#
        let ingest = try request(server, "/v1/records", as: "ingest", ["-X", "POST", "--data-binary", record])
        let seq = (try json(ingest.body)["results"] as! [[String: Any]])[0]["seq"] as! Int
        let bypass = try request(server, "/v1/records/\(seq)/retention", as: "admin",
                                 ["-X", "PUT", "-H", "x-amz-bypass-governance-retention: true",
                                  "--data-binary", #"{"retainUntil":"2020-01-01T00:00:00Z","reason":"filed in error"}"#])
        #expect(bypass.status == 200, "\(bypass.body)")
        var erased = false
        for _ in 0..<40 where !erased {
            try await Task.sleep(for: .milliseconds(250))
            erased = try json(request(server, "/v1/records/\(seq)/retention", as: "admin", []).body)["erased"] as? Bool == true
        }
        #expect(erased)
        let audit = try json(request(server, "/regulator/audit?entity=report&id=r1", as: "regulator_read", []).body)
        let change = (audit["changes"] as! [[String: Any]])[0]
        #expect(change["erased"] as? Bool == true && change["erasedBy"] is Int && change["commitment"] is String)
        #expect(try server.curl("/metrics", as: "admin").body.contains("regvault_erased_records_total 1"))
    }

    @Test("record retention over HTTPS: extension, refusal to shorten compliance, bypass only for admin")
    func recordRetention() throws {
        let server = try server()
        let records = [
            #"{"eventId":"k1","stream":"kyc","entity":{"type":"player","id":"p1"},"action":"verified","actor":{"id":"kyc-svc"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"MT","playerId":"p1","state":{"status":"verified"}}"#,
        ].joined(separator: "\n")
        let ingest = try request(server, "/v1/records", as: "ingest", ["-X", "POST", "--data-binary", records])
        let seq = (try json(ingest.body)["results"] as! [[String: Any]])[0]["seq"] as! Int
        let shown = try json(request(server, "/v1/records/\(seq)/retention", as: "compliance_officer", []).body)
        #expect(shown["mode"] as? String == "compliance")
        let extend = try request(server, "/v1/records/\(seq)/retention", as: "compliance_officer",
                                 ["-X", "PUT", "--data-binary", #"{"retainUntil":"2040-01-01T00:00:00Z","reason":"audit"}"#])
        #expect(extend.status == 200, "\(extend.body)")
        let earlier = try request(server, "/v1/records/\(seq)/retention", as: "compliance_officer",
                                  ["-X", "PUT", "--data-binary", #"{"retainUntil":"2035-01-01T00:00:00Z","reason":"x"}"#])
        #expect(earlier.status == 403 && earlier.body.contains("retention_shortening"))
        let bypass = try request(server, "/v1/records/\(seq)/retention", as: "admin",
                                 ["-X", "PUT", "-H", "x-amz-bypass-governance-retention: true",
                                  "--data-binary", #"{"retainUntil":"2027-01-01T00:00:00Z","reason":"x"}"#])
        #expect(bypass.status == 403 && bypass.body.contains("compliance_mode"))
        #expect(try request(server, "/v1/records/\(seq)/retention", as: "regulator_read", []).status == 403)
        #expect(try request(server, "/v1/records/999999/retention", as: "admin", []).status == 404)
    }
}
