import Foundation
public import VaultReports
public import VaultStore

/// A page of records and the cursor that continues after it (nil on the last page).
public struct RecordPage: Sendable {
    public let items: [HistoryItem]
    public let nextCursor: String?
}

/// An opaque position in a listing: base64url of `v1:<recordedAt>:<seq>`. Clients pass it back
/// unchanged; anything else is refused.
public struct PageCursor: Sendable, Equatable {
    public let recordedAt: Int64
    public let seq: Int64

    public init(recordedAt: Int64, seq: Int64) {
        self.recordedAt = recordedAt
        self.seq = seq
    }

    public init(_ text: String) throws {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard text.count <= 64, let data = Data(base64Encoded: base64),
              let decoded = String(data: data, encoding: .utf8) else {
            throw VaultError(.invalidRequest, "cursor is malformed; pass the nextCursor of the previous page unchanged")
        }
        let parts = decoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let time = Int64(parts[1]), let seq = Int64(parts[2]), seq >= 0,
              PageCursor(recordedAt: time, seq: seq).text == text else {
            throw VaultError(.invalidRequest, "cursor is malformed; pass the nextCursor of the previous page unchanged")
        }
        self.init(recordedAt: time, seq: seq)
    }

    public var text: String {
        Data("v1:\(recordedAt):\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Vault {
    /// The largest page a listing returns.
    public static let maxPageSize = 1_000

    /// Records of one stream recorded in `[from, to)`, oldest first, a page at a time.
    /// With `entityId`, only the records of entities with that id (an inspector's own accesses).
    public func streamLog(stream: String, from: Int64, to: Int64, cursor: PageCursor?, limit: Int,
                          entityId: String? = nil) throws -> RecordPage {
        guard (1...Vault.maxPageSize).contains(limit) else {
            throw VaultError(.invalidRequest, "limit must be 1 to \(Vault.maxPageSize)")
        }
        guard from <= to else { throw VaultError(.invalidRequest, "from must not be after to") }
        let records = try store.records(stream: stream, from: from, to: to,
                                        after: cursor.map { ($0.recordedAt, $0.seq) }, limit: limit + 1, entityId: entityId)
        return try page(records, limit: limit)
    }

    /// Everything recorded about one player, across streams, oldest first, a page at a time.
    public func playerTimeline(playerId: String, cursor: PageCursor?, limit: Int) throws -> RecordPage {
        guard (1...Vault.maxPageSize).contains(limit) else {
            throw VaultError(.invalidRequest, "limit must be 1 to \(Vault.maxPageSize)")
        }
        return try page(try store.records(playerId: playerId, after: cursor?.seq, limit: limit + 1), limit: limit)
    }

    /// The `report` stream's records that cover a period inside `period` (a month lists its daily
    /// reports and itself), oldest first, a page at a time. A record covers the period its
    /// `state.period` names (a day, ISO week, month or quarter); one without (or erased) covers
    /// the UTC day it was recorded, so it lists under the period it was filed in. Each record's
    /// `recordedAt` says when it was filed.
    public func reportRecords(covering period: ReportPeriod, cursor: PageCursor?, limit: Int) throws -> RecordPage {
        guard (1...Vault.maxPageSize).contains(limit) else {
            throw VaultError(.invalidRequest, "limit must be 1 to \(Vault.maxPageSize)")
        }
        let records = try store.allRecords(stream: RecordSchema.Stream.report.rawValue).filter { record in
            guard cursor.map({ record.seq > $0.seq }) ?? true else { return false }
            return Self.coveredPeriod(of: record).isInside(period)
        }.sorted { $0.seq < $1.seq }
        return try page(Array(records.prefix(limit + 1)), limit: limit)
    }

    /// The months that `report` records cover (`coveredPeriod`), newest first: one read of the stream.
    public func reportMonths() throws -> [ReportPeriod] {
        Set(try store.allRecords(stream: RecordSchema.Stream.report.rawValue)
            .map { ReportPeriod(.monthly, containing: Self.coveredPeriod(of: $0).firstDay) })
            .sorted { $0.firstDay > $1.firstDay }
    }

    /// The period a `report` record covers: its `state.period`, or the UTC day it was recorded.
    public static func coveredPeriod(of record: StoredRecord) -> ReportPeriod {
        record.body.flatMap { try? JSONParser.parse(Array($0)) }?["state"]?["period"]?.stringValue
            .flatMap { try? ReportPeriod(parsing: $0) }
            ?? ReportPeriod(.daily, containing: GamingCalendar.utc.day(at: record.recordedAt))
    }

    func page(_ records: [StoredRecord], limit: Int) throws -> RecordPage {
        let shown = Array(records.prefix(limit))
        let leaves = try store.leaves(seqs: shown.map(\.seq))
        let items = try shown.map { record in
            guard let leaf = leaves[record.seq] else {
                throw VaultError(.integrity, "record \(record.seq) has no entry in the log")
            }
            return HistoryItem(record: record, entry: leaf.entry)
        }.verified().withErasures(from: store)
        let next = records.count > limit ? shown.last.map { PageCursor(recordedAt: $0.recordedAt, seq: $0.seq).text } : nil
        return RecordPage(items: items, nextCursor: next)
    }
}
