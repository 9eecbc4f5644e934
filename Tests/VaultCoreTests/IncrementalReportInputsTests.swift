import Foundation
import Testing
import VaultFormat
import VaultCore
import VaultReports

@Suite("report inputs kept between schedule rounds")
struct IncrementalReportInputsTests {
    static func payment(_ n: Int, player: String) -> String {
        #"{"eventId":"pay-\#(n)","stream":"payment","entity":{"type":"payment","id":"pay-\#(n)"},"action":"deposit","actor":{"id":"cashier"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"MT","playerId":"\#(player)","state":{"amount":"\#(n).25","currency":"EUR","method":"card","status":"approved"}}"#
    }

    static func rendered(_ inputs: ReportInputs) throws -> [ReportFile] {
        let licence = LicenceSettings(id: "mt", jurisdiction: "MT", licenceNumber: "N/FICTITIOUS", currency: "EUR", calendar: .utc,
                                      reports: [], players: ["MT"])
        return try PlayerActivityDaily().render(ReportContext(
            licence: licence, period: ReportPeriod(.daily, containing: CivilDate.days(year: 2026, month: 11, day: 20)),
            checkpointSize: inputs.size, checkpointRoot: inputs.root, facts: inputs.facts))
    }

    @Test("a read after appends adds only the new records and equals a fresh read of everything")
    func incrementalEqualsFresh() async throws {
        let fixture = try VaultFixture()
        try await fixture.append((0..<30).map { Self.payment($0, player: "p-\($0 % 4)") })
        let kept = IncrementalReportInputs(vault: fixture.vault)
        let first = try kept.read()
        #expect(first.facts.recordCount == 30)
        try await fixture.append((30..<50).map { Self.payment($0, player: "p-\($0 % 7)") })
        let progress = Locked<[ReportReadProgress]>([])
        let second = try kept.read { step in progress.withLock { $0.append(step) } }
        let fresh = try fixture.vault.reportInputs()
        #expect(second.size == fresh.size && second.root == fresh.root && second.size > first.size)
        #expect(progress.withLock { $0.map(\.start) } == [first.size], "only the new entries were read")
        #expect(second.facts.events.map(\.seq) == fresh.facts.events.map(\.seq))
        #expect(second.facts.players == fresh.facts.players)
        #expect(try Self.rendered(second) == Self.rendered(fresh))
        #expect(try kept.read().facts.recordCount == 50)
    }
}
