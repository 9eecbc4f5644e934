import Foundation
import VaultCore
import VaultFormat
import VaultReports

/// The VaultCore parsers: JSON, records and JSON lines, JSON Patch, query and path parameters,
/// retention policy files.
extension FuzzTargets {
    /// 2026-11-20T10:00:00Z, the vault's clock for every record the fuzzer validates.
    static let now: Int64 = 1_795_168_800_000

    static func json(_ data: [UInt8]) {
        let limits = JSONLimits(maxDepth: 32, maxStringBytes: 65_536, maxBytes: 1_048_576)
        let value = try? JSONParser.parse(data, limits: limits)
        let fromBuffer = data.withUnsafeBytes { try? JSONParser.parse($0, limits: limits) }
        require(value == fromBuffer, "the array and buffer parsers disagree")
        guard let value else { return }
        let canonical = value.canonicalBytes
        guard let again = try? JSONParser.parse(canonical, limits: limits) else {
            fatalError("the canonical form of a parsed value does not parse: \(String(decoding: canonical, as: UTF8.self))")
        }
        require(again == value, "the canonical form parses to another value")
        require(again.canonicalBytes == canonical, "the canonical form is not stable")
    }

    /// A JSON lines upload as `regvault append` reads it: lines from a file, each validated for both
    /// logs, the whole file through the ingest preflight against an empty vault.
    static func records(_ data: [UInt8]) {
        guard let handle = FileHandle(forReadingAtPath: Scratch.write(data)) else {
            fatalError("cannot open the scratch file")
        }
        defer { try? handle.close() }
        var lines: [InputLine] = []
        var total = 0
        for line in LineReader(handle: handle) {
            require(line.number == lines.count + 1, "line numbers are not consecutive")
            total += line.bytes.count
            lines.append(line)
        }
        require(total <= data.count, "lines hold more bytes than the input")
        let salt = [UInt8](repeating: 0x5A, count: RecordValidator.saltLength)
        for line in lines {
            for validator in [RecordValidator(), RecordValidator(sandbox: true)] {
                guard let record = try? validator.validate(line.bytes, now: now, salt: salt) else { continue }
                let again = try? validator.validate(record.canonicalBytes, now: now, salt: salt)
                require(again?.canonicalBytes == record.canonicalBytes, "a record's canonical form does not validate to itself")
                require(again?.commitment == record.commitment, "a record's canonical form has another commitment")
            }
        }
        do {
            let report = try IngestPreflight().check(lines: lines, vault: FuzzVault.vault, clock: ManualClock(millis: now))
            require(report.records <= lines.count, "the preflight counts more records than lines")
        } catch {
            fatalError("the preflight failed on an empty vault: \(error)")
        }
    }

    /// `[document, patch]`: the patch is validated and applied; a diff from the document to the
    /// result, applied to the document, must give the result again.
    static func patch(_ data: [UInt8]) {
        guard let input = try? JSONParser.parse(data, limits: JSONLimits(maxDepth: 16, maxStringBytes: 4096, maxBytes: 65_536)),
              let pair = input.arrayValue, pair.count == 2 else { return }
        let document: JSONValue? = pair[0] == .null ? nil : pair[0]
        let patch = pair[1]
        let valid = (try? JSONPatch.validate(patch)) != nil
        guard valid, let result = try? JSONPatch.apply(patch, to: document) else { return }
        let diff = JSONPatch.diff(from: document, to: result)
        require((try? JSONPatch.validate(diff)) != nil, "a computed diff does not validate")
        require((try? JSONPatch.apply(diff, to: document)) == result, "a computed diff does not reproduce the result")
    }

    /// One parameter value, as every path and query parameter parser the server has reads it.
    static func params(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        if let millis = Timestamp.parseMillis(text) {
            let formatted = Timestamp.format(millis: millis)
            require(Timestamp.parseMillis(formatted) == millis, "a formatted time \(formatted) does not parse back to \(millis)")
            _ = Timestamp.addingYears(7, toMillis: millis)
        }
        if let period = try? ReportPeriod(parsing: text) {
            let span = GamingCalendar.utc.span(of: period)
            require(span.start < span.end && period.label == text, "a reporting period is empty or does not print as parsed")
        }
        if let cursor = try? PageCursor(text) {
            require(cursor.text == text, "a page cursor does not re-serialise to its text")
        }
        if ObjectKey.isValid(text) {
            require(text.utf8.count <= ObjectKey.maxLength, "a valid object key is too long")
        }
    }

    static func retention(_ data: [UInt8]) {
        guard let policy = try? RetentionPolicy(parsing: data) else { return }
        require(policy.fileBytes == data, "a policy does not keep its file's bytes")
        let again: RetentionPolicy
        do {
            again = try RetentionPolicy(parsing: policy.canonicalBytes)
        } catch {
            fatalError("a policy's canonical form does not parse: \(error)")
        }
        require(again == policy, "a policy's canonical form parses to another policy")
        for stream in ["payments", "kyc", "nonsense"] { _ = policy.rule(for: stream) }
        let policies = policy.jurisdiction == "*" ? [policy] : RetentionPolicySet.operatorDefault.policies + [policy]
        guard let set = try? RetentionPolicySet(policies) else { return }
        _ = RetentionPolicySet.operatorDefault.refusalToReplace(with: set)
        _ = set.refusalToReplace(with: RetentionPolicySet.operatorDefault)
        for rule in policy.rules {
            for stream in rule.streams {
                let assignment = set.assign(stream: stream, jurisdiction: policy.jurisdiction, recordedAt: now)
                require(assignment.retainUntil >= now, "retention ends before the record")
                _ = set.rule(forClass: rule.retentionClass)
            }
        }
    }
}

/// An empty vault the records target checks uploads against, made once per process.
enum FuzzVault {
    static let vault: Vault = {
        do {
            return try Vault.create(at: Scratch.directory + "/vault", origin: "fuzz.example/log", signer: FuzzKeys.signer)
        } catch {
            fatalError("cannot make the fuzz vault: \(error)")
        }
    }()
}
