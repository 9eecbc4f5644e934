import Crypto
import Foundation
import VaultFormat

/// The all-or-nothing check before a bulk append: every record is validated and its event id is
/// checked against the rest of the input and against the vault, without storing anything. When it
/// finds no rejection, an append of the same input can only fail on storage errors or on an
/// explicit diff that does not apply to its entity's state.
public struct IngestPreflight {
    /// What the check found.
    public struct Report: Sendable {
        /// Non-empty records seen.
        public var records = 0
        /// Rejections found, at most `maxRejections`.
        public var rejections: [RecordRejection] = []
        /// True if more rejections were found than are listed.
        public var truncated = false
    }

    public let maxRejections: Int

    public init(maxRejections: Int = 20) {
        self.maxRejections = maxRejections
    }

    /// Checks `lines` against `vault`. `progress` is called with the number of records checked so far.
    public func check(lines: some Sequence<InputLine>, vault: Vault, clock: any VaultClock = SystemClock(),
                      progress: (Int) -> Void = { _ in }) throws -> Report {
        let validator = RecordValidator()
        var report = Report()
        var digests: [String: (digest: Hash, line: Int)] = [:]
        var pending: [(eventId: String, digest: Hash, line: Int)] = []

        func reject(_ rejection: RecordRejection) {
            if report.rejections.count < maxRejections {
                report.rejections.append(rejection)
            } else {
                report.truncated = true
            }
        }

        func checkAgainstVault() throws {
            let stored = try vault.store.records(eventIds: pending.map(\.eventId))
            for item in pending {
                guard let record = stored[item.eventId] else { continue }
                guard let body = record.body else {
                    reject(RecordRejection(.erased, field: "eventId", "event id \(item.eventId) belongs to erased record "
                        + "\(record.seq); use a new event id", line: item.line))
                    continue
                }
                if Hash(digest: SHA256.hash(data: body)) != item.digest {
                    reject(RecordRejection(.conflict, field: "eventId", "event id \(item.eventId) was already stored as "
                        + "record \(record.seq) with different content", line: item.line))
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        for line in lines where !line.bytes.isEmpty {
            report.records += 1
            if report.records % 10_000 == 0 { progress(report.records) }
            let record: ValidatedRecord
            do {
                record = try validator.validate(line.bytes, now: clock.nowMillis())
            } catch var rejection {
                rejection.line = line.number
                reject(rejection)
                continue
            }
            let digest = Hash(digest: SHA256.hash(data: record.canonicalBytes))
            if let earlier = digests[record.eventId] {
                if earlier.digest != digest {
                    reject(RecordRejection(.conflict, field: "eventId", "event id \(record.eventId) is also used on "
                        + "line \(earlier.line) with different content", line: line.number))
                }
            } else {
                digests[record.eventId] = (digest, line.number)
                pending.append((record.eventId, digest, line.number))
                if pending.count == 1000 { try checkAgainstVault() }
            }
        }
        try checkAgainstVault()
        return report
    }
}
