import Foundation
import Testing
@testable import VaultCore
import VaultFormat
@testable import VaultReports
import VaultStore

@Suite("The delivery outbox: filled in the report's own commit, worked under leases")
struct DeliveryOutboxTests {
    static let routes = [DeliveryRoute(destination: "mga-portal", channel: "webhook"),
                         DeliveryRoute(destination: "ukgc-portal", channel: "webhook")]

    /// Files a one-file report for `period` with deliveries to `routes`.
    @discardableResult
    func fileReport(_ fixture: VaultFixture, period: String = "2026-11-19", bytes: String = "a,b\n",
                    routes: [DeliveryRoute] = routes) async throws -> FiledReport {
        let file = ReportFile(name: "daily-\(period).csv", format: .csv, bytes: Array(bytes.utf8))
        return try await fixture.writer.storeReport(
            files: [(key: "reports/mt/daily/\(period)/\(file.name)", file: file)], period: period, jurisdiction: "MT",
            eventId: "rpt:mt:daily:\(period):v0", entityId: "mt/daily/\(period)", action: "generate",
            state: ["template": .string("daily"), "period": .string(period)], reportVersion: 0, started: 0, deliveries: routes)
    }

    @Test("a filed report's deliveries are in the log and the outbox, one per route, and pending")
    func enqueuedWithTheReport() async throws {
        let fixture = try VaultFixture()
        let filed = try await fileReport(fixture)
        let expected = Set(Self.routes.map { Delivery.id(destination: $0.destination, subjectEventId: filed.eventId) })
        let claimed = try fixture.vault.store.claimDeliveries(now: VaultFixture.now, owner: "a", leaseMillis: 60_000, limit: 10)
        #expect(Set(claimed.map(\.deliveryId)) == expected)
        #expect(claimed.allSatisfy { $0.attempts == 0 })
        let deliveries = try fixture.vault.deliveries()
        #expect(Set(deliveries.map(\.id)) == expected)
        #expect(deliveries.allSatisfy { $0.status == .pending && $0.subject.eventId == filed.eventId && $0.jurisdiction == "MT" })
        #expect(deliveries.allSatisfy { $0.seq > filed.seq }, "the deliveries follow their report in the same batch")
    }

    @Test("a claim is exclusive until its lease runs out; a stale owner can neither reschedule nor complete")
    func leases() async throws {
        let fixture = try VaultFixture()
        try await fileReport(fixture)
        let store = fixture.vault.store
        let now = VaultFixture.now
        let first = try store.claimDeliveries(now: now, owner: "a", leaseMillis: 60_000, limit: 10)
        #expect(first.count == 2)
        #expect(try store.claimDeliveries(now: now + 59_999, owner: "b", leaseMillis: 60_000, limit: 10).isEmpty)
        let taken = try store.claimDeliveries(now: now + 60_000, owner: "b", leaseMillis: 60_000, limit: 10)
        #expect(taken.count == 2)
        #expect(try !store.completeDelivery(first[0].deliveryId, owner: "a"))
        #expect(try !store.rescheduleDelivery(first[1].deliveryId, owner: "a", dueAt: now))
        #expect(try store.rescheduleDelivery(taken[0].deliveryId, owner: "b", dueAt: now + 120_000))
        #expect(try store.completeDelivery(taken[1].deliveryId, owner: "b"))
        #expect(try store.outboxDepth().count == 1)
        #expect(try store.claimDeliveries(now: now + 119_999, owner: "c", leaseMillis: 60_000, limit: 10).isEmpty)
        let again = try store.claimDeliveries(now: now + 120_000, owner: "c", leaseMillis: 60_000, limit: 10)
        #expect(again.map(\.attempts) == [1])
        try store.releaseDeliveryLeases()
        #expect(try store.claimDeliveries(now: now + 120_000, owner: "d", leaseMillis: 60_000, limit: 10).count == 1)
    }

    @Test("a report batch that is refused leaves no delivery behind, and filing again never sends twice")
    func refusedBatchEnqueuesNothing() async throws {
        let fixture = try VaultFixture()
        try await fileReport(fixture)
        // The same event id with other bytes is a conflict: the whole batch, deliveries too, is refused.
        await #expect(throws: (any Error).self) {
            try await fileReport(fixture, bytes: "other\n", routes: [DeliveryRoute(destination: "cga-portal", channel: "webhook")])
        }
        #expect(try fixture.vault.store.outboxDepth().count == 2)
        #expect(try fixture.vault.deliveries().count == 2)
    }

    @Test("a delivery given up on is recorded dead and raises a P2 incident in the same batch")
    func deadDeliveryRaisesAnIncident() async throws {
        let fixture = try VaultFixture()
        try await fileReport(fixture)
        var delivery = try #require(try fixture.vault.deliveries().first)
        delivery.attempts = 3
        delivery.status = .dead
        delivery.lastAttempt = Delivery.Attempt(at: VaultFixture.now, durationMillis: 12, httpStatus: 503, responseSha256: nil,
                                                error: "the receiver answered 503 Service Unavailable")
        let seq = try await fixture.writer.recordDelivery(delivery, action: "give_up")
        #expect(try fixture.vault.delivery(id: delivery.id)?.status == .dead)
        #expect(try fixture.vault.delivery(id: delivery.id)?.seq == seq)
        let incident = try #require(try fixture.vault.store.records(eventIds: ["inc:delivery:\(delivery.id)"]).values.first)
        #expect(incident.stream == "incident" && incident.seq == seq + 1)
        let state = try #require(try JSONParser.parse([UInt8](incident.body ?? Data())).objectValue?["state"]?.objectValue)
        #expect(state["kind"]?.stringValue == "delivery_failed" && state["severity"]?.stringValue == "P2")
        #expect(state["lastHttpStatus"]?.numberText == "503")
    }

    @Test("a regulator's request is stored with its answer's delivery; the same ask again is the same job, another is refused")
    func regulatorRequests() async throws {
        let fixture = try VaultFixture()
        let actor = VaultActor(id: "regulator_read", role: "regulator_read")
        let asked = RegulatorRequest(requestId: "REQ-1", identity: "regulator_read",
                                     query: .object(["kind": .string("player"), "playerId": .string("p-1")]), format: "json",
                                     callbackUrl: "https://127.0.0.1:9443/cb", receivedAt: 0)
        let first = try await fixture.writer.acceptRegulatorRequest(asked, actor: actor)
        #expect(first.isNew && first.delivery.status == .pending && first.delivery.url == asked.callbackUrl)
        #expect(first.delivery.destination == "callback:regulator_read" && first.delivery.seq == first.request.seq + 1)
        let again = try await fixture.writer.acceptRegulatorRequest(asked, actor: actor)
        #expect(!again.isNew && again.request.jobId == first.request.jobId && again.delivery.id == first.delivery.id)
        var other = asked
        other.callbackUrl = "https://127.0.0.1:9443/elsewhere"
        await #expect(throws: VaultError.self) { try await fixture.writer.acceptRegulatorRequest(other, actor: actor) }
        // Another identity may use the same requestId: its own job.
        let theirs = RegulatorRequest(requestId: "REQ-1", identity: "compliance_officer", query: asked.query, format: "json",
                                      callbackUrl: asked.callbackUrl, receivedAt: 0)
        #expect(try await fixture.writer.acceptRegulatorRequest(theirs, actor: actor).request.jobId != first.request.jobId)
        #expect(try fixture.vault.store.outboxDepth().count == 2)
        #expect(try fixture.vault.regulatorRequest(jobId: first.request.jobId)?.delivery?.id == first.delivery.id)
    }

    @Test("incidents of a routed severity and jurisdiction bring their deliveries into their own batch; others none")
    func incidentsAreRouted() async throws {
        let fixture = try VaultFixture()
        await fixture.writer.routeIncidents([IncidentRoute(destination: "mga-portal", channel: "webhook", jurisdictions: ["MT"])])
        func incident(_ id: String, severity: String, jurisdiction: String = "MT", kind: String = "RNG_anomaly") -> String {
            #"{"eventId":"\#(id)","stream":"incident","entity":{"type":"incident","id":"\#(id)"},"action":"open","actor":{"id":"monitoring"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"\#(jurisdiction)","state":{"kind":"\#(kind)","severity":"\#(severity)"}}"#
        }
        let results = try await fixture.append([incident("inc-1", severity: "P1"), incident("inc-2", severity: "P3"),
                                                 incident("inc-3", severity: "P1", jurisdiction: "GB"),
                                                 incident("inc-4", severity: "P1", kind: "delivery_failed")])
        let deliveries = try fixture.vault.deliveries()
        #expect(deliveries.map(\.subject.eventId) == ["inc-1"])
        #expect(deliveries.first?.subject.kind == "incident" && deliveries.first?.seq == results.last!.seq + 1)
        // Submitting the same incident again is a duplicate: no second delivery.
        try await fixture.append([incident("inc-1", severity: "P1")])
        #expect(try fixture.vault.deliveries().count == 1)
        #expect(try fixture.vault.store.outboxDepth().count == 1)
    }

    @Test("deadlines count working days past weekends and holidays, and GDPR's 72 hours from awareness")
    func deadlines() {
        let friday: Int64 = 1_795_168_800_000  // 2026-11-20T10:00:00Z, a Friday
        func due(_ jurisdiction: String, kind: String? = nil, holidays: Set<String> = []) -> [String: String] {
            Dictionary(uniqueKeysWithValues: RegulatoryDeadlines.deadlines(jurisdiction: jurisdiction, kind: kind, occurredAt: friday,
                                                                           recordedAt: friday + 3_600_000, holidays: holidays)
                .map { ($0.regime, Timestamp.format(millis: $0.dueAt)) })
        }
        #expect(due("MT") == ["MGA": "2026-11-25T10:00:00.000Z"])
        #expect(due("MT", holidays: ["2026-11-24"]) == ["MGA": "2026-11-26T10:00:00.000Z"])
        #expect(due("GB") == ["UKGC": "2026-11-27T10:00:00.000Z"])
        #expect(due("CW") == ["CGA": "2026-11-21T10:00:00.000Z"])
        #expect(due("MT", kind: "security_breach") == ["MGA": "2026-11-25T10:00:00.000Z", "GDPR art. 33": "2026-11-23T11:00:00.000Z"])
        #expect(due("CW", kind: "security_breach").count == 1, "GDPR is for EU, EEA and UK jurisdictions")
    }

    @Test("an incident's deadlines are met by a notice accepted before them, and missed once they pass without one")
    func incidentDeadlinesMetOrMissed() async throws {
        let fixture = try VaultFixture()
        await fixture.writer.routeIncidents([IncidentRoute(destination: "mga-portal", channel: "webhook")])
        func incident(_ id: String) -> String {
            #"{"eventId":"\#(id)","stream":"incident","entity":{"type":"incident","id":"\#(id)"},"action":"open","actor":{"id":"monitoring"},"occurredAt":"2026-11-20T10:00:00Z","jurisdiction":"MT","state":{"kind":"RNG_anomaly","severity":"P1"}}"#
        }
        try await fixture.append([incident("inc-a"), incident("inc-b")])
        var notice = try #require(try fixture.vault.deliveries().first { $0.subject.entityId == "inc-a" })
        notice.status = .delivered
        notice.attempts = 1
        notice.lastAttempt = Delivery.Attempt(at: VaultFixture.now, durationMillis: 5, httpStatus: 200, responseSha256: nil, error: nil)
        _ = try await fixture.writer.recordDelivery(notice, action: "deliver")
        let due: Int64 = 1_795_600_800_000  // 2026-11-25T10:00:00Z: 3 working days after Friday the 20th
        let incidents = Dictionary(uniqueKeysWithValues: try fixture.vault.incidents().map { ($0.entityId, $0) })
        let notified = try #require(incidents["inc-a"]?.json(now: due + 1).objectValue?["deadlines"]?.arrayValue?.first?.objectValue)
        #expect(notified["met"] == .bool(true) && notified["missed"] == .bool(false))
        let silent = try #require(incidents["inc-b"])
        #expect(silent.json(now: due - 1).objectValue?["deadlines"]?.arrayValue?.first?.objectValue?["missed"] == .bool(false))
        #expect(silent.json(now: due + 1).objectValue?["deadlines"]?.arrayValue?.first?.objectValue?["missed"] == .bool(true))
        #expect(silent.notices.first?.status == .pending)
    }
}
