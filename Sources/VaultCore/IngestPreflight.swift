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
    /// Lines validated at once, spread over every core (`ParallelMap`); their bytes are held
    /// meanwhile: about 1 MB of typical records, at most 128 MiB of the largest allowed.
    static let chunkLines = 2_000
    /// The salt the check validates with: its commitments are never stored, so it draws no random
    /// bytes (nor the lock they are drawn under) for them.
    private static let unusedSalt = [UInt8](repeating: 0, count: RecordValidator.saltLength)

    public init(maxRejections: Int = 20) {
        self.maxRejections = maxRejections
    }

    /// Checks `lines` against `vault`, validating a chunk of them on every core at a time; the
    /// report is the one a check line by line gives, except that a chunk's records are all checked
    /// against the clock read when the chunk starts (a record's `occurredAt` may lead it by
    /// minutes). `progress` is called with the number of records checked so far, every 10,000.
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

        /// Validates a chunk of lines on every core, then takes their outcomes in input order.
        func checkChunk(_ part: [InputLine]) throws {
            let now = clock.nowMillis()
            let outcomes = ParallelMap.mapItems(part.count) { index in
                Result { () throws(RecordRejection) -> (eventId: String, digest: Hash) in
                    let record = try validator.validate(part[index].bytes, now: now, salt: IngestPreflight.unusedSalt)
                    return (record.eventId, Hash(digest: SHA256.hash(data: record.canonicalBytes)))
                }
            }
            for (line, outcome) in zip(part, outcomes) {
                report.records += 1
                if report.records % 10_000 == 0 { progress(report.records) }
                switch outcome {
                case .failure(var rejection):
                    rejection.line = line.number
                    reject(rejection)
                case .success(let (eventId, digest)):
                    if let earlier = digests[eventId] {
                        if earlier.digest != digest {
                            reject(RecordRejection(.conflict, field: "eventId", "event id \(eventId) is also used on "
                                + "line \(earlier.line) with different content", line: line.number))
                        }
                    } else {
                        digests[eventId] = (digest, line.number)
                        pending.append((eventId, digest, line.number))
                        if pending.count == 1000 { try checkAgainstVault() }
                    }
                }
            }
        }

        var chunk: [InputLine] = []
        chunk.reserveCapacity(IngestPreflight.chunkLines)
        for line in lines where !line.bytes.isEmpty {
            chunk.append(line)
            if chunk.count == IngestPreflight.chunkLines {
                try checkChunk(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try checkChunk(chunk)
        try checkAgainstVault()
        return report
    }
}
