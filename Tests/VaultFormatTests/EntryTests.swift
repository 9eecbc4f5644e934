import Testing
import VaultFormat

@Suite("log entries")
struct EntryTests {
    let entry = Entry(kind: .record, seq: 1_234_567, recordedAt: 1_795_168_800_123, retentionMode: .compliance,
                      retainUntil: 1_984_557_600_000, retentionClass: "aml.customer",
                      commitment: Entry.commitment(salt: [UInt8](repeating: 7, count: 32), record: Array("{}".utf8)))

    @Test("entries round-trip through their exact bytes")
    func roundTrip() throws {
        let bytes = entry.bytes
        #expect(bytes.count == 60 + "aml.customer".utf8.count)
        #expect(try Entry(parsing: bytes) == entry)
        #expect(bytes[0] == 1 && bytes[1] == EntryKind.record.rawValue)
    }

    @Test("every truncation, extension and unknown kind, mode or version is refused")
    func malformed() {
        let bytes = entry.bytes
        for length in 0..<bytes.count {
            #expect(throws: VaultFormatError(.malformedEntry, "")) { try Entry(parsing: bytes.prefix(length)) }
        }
        #expect(throws: VaultFormatError(.malformedEntry, "")) { try Entry(parsing: bytes + [0]) }
        for (offset, value) in [(0, UInt8(2)), (1, UInt8(0)), (1, UInt8(99)), (18, UInt8(0)), (18, UInt8(3)), (28, UInt8(0x41))] {
            var changed = bytes
            changed[offset] = value
            #expect(throws: VaultFormatError(.malformedEntry, ""), "byte \(offset) = \(value)") { try Entry(parsing: changed) }
        }
    }

    @Test("the commitment depends on the salt and on every byte of the record")
    func commitment() {
        let salt = [UInt8](repeating: 1, count: 32)
        let record = Array(#"{"eventId":"e1"}"#.utf8)
        let c = Entry.commitment(salt: salt, record: record)
        #expect(c != Entry.commitment(salt: [UInt8](repeating: 2, count: 32), record: record))
        for i in record.indices {
            var changed = record
            changed[i] ^= 0x20
            #expect(c != Entry.commitment(salt: salt, record: changed))
        }
    }

    @Test("retention classes are short lower-case identifiers")
    func retentionClasses() {
        #expect(Entry.isValidRetentionClass("audit.change"))
        #expect(Entry.isValidRetentionClass("aml-customer_2"))
        for bad in ["", "Audit", "a b", "é", String(repeating: "a", count: 65)] {
            #expect(!Entry.isValidRetentionClass(bad))
        }
    }
}
