import Foundation
import Testing
import VaultFormat
@testable import VaultStore

/// How a record's row in PostgreSQL keeps its log entry (`PostgresSchema.wholeEntries`): what
/// `PostgresStore.rowEntry` stores, the database's `regvault_whole_entry` gives back exactly.
@Suite("log entries in PostgreSQL records' rows")
struct PostgresEntryLayoutTests {
    static let seq: Int64 = 5
    static let recordedAt: Int64 = 1_795_176_000_000

    static func entry(seq: UInt64 = UInt64(seq), recordedAt: Int64 = recordedAt) -> Data {
        Data(Entry(kind: .record, seq: seq, recordedAt: recordedAt, retentionMode: .compliance, retainUntil: recordedAt + 1,
                   retentionClass: "kyc.5y", commitment: Hash(bytes: Data(repeating: 9, count: Hash.byteCount))!).bytes)
    }

    @Test("every entry, well formed or damaged, is stored so that the database gives it back whole; only its own row's is shortened")
    func wholeAgain() throws {
        let url = try PostgresTestDatabase.make()
        let whole = Self.entry()
        let damaged: [Data] = [
            Self.entry(seq: 6), Self.entry(recordedAt: Self.recordedAt + 1),
            Data([0x81]) + whole.dropFirst(), Data([0x80]) + whole.dropFirst(), Data([0x81]), Data([0x80]),
            whole.dropLast(), Data([0x02]) + whole.dropFirst(), Data([0x01]), Data(),
        ]
        for entry in [whole] + damaged {
            let stored = PostgresStore.rowEntry(entry, seq: Self.seq, recordedAt: Self.recordedAt)
            #expect(stored.count == entry.count - (entry == whole ? 16 : 0) + ([0x80, 0x81].contains(entry.first) ? 1 : 0))
            let given = try PostgresTestDatabase.psql(url, """
                SELECT encode(regvault_whole_entry('\\x\(stored.hex)'::bytea, \(Self.seq), \(Self.recordedAt)), 'hex')
                """)
            #expect(given == entry.hex, "stored as \(stored.hex)")
        }
    }
}

private extension Data {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
