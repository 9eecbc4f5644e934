import Crypto
public import Foundation
public import VaultFormat
public import VaultReports

/// A report filed in the vault: its `report` record and the object versions of its files.
public struct FiledReport: Sendable {
    public let eventId: String
    public let seq: Int64
    public let reportVersion: Int
    /// True when the period was already filed and filing again would give the same bytes: nothing
    /// new was stored, and this describes the earlier filing.
    public let unchanged: Bool
    /// The report record's state (template, period, checkpoint, files, trigger, duration).
    public let state: JSONValue
}

/// Files reports: renders a template over the records up to a signed checkpoint, then stores the
/// files as write-once objects and appends the `report` record that names them, in one atomic
/// batch (docs/REPORTS.md).
///
/// - Rendering happens before anything is stored, so a template that fails stores nothing.
/// - The record's event id is `rpt:<licence>:<template>:<period>:v<N>`; a second filer that races
///   this one gets `event_id_conflict` for the whole batch, so a period is never filed twice.
/// - Filing a period again is idempotent: if rendering against the last filing's checkpoint and
///   version gives the bytes that were filed, the records added since changed nothing and nothing
///   is stored. Otherwise the new filing is version N+1 and `replaces` the previous event id, as a
///   regulator's resubmission does.
public struct ReportFiler: Sendable {
    public let vault: Vault
    public let writer: LogWriter
    public let configuration: ReportConfiguration
    public let registry: ReportRegistry
    /// Where filed reports are delivered: each filing enqueues one delivery per route that carries
    /// its licence and template, in the filing's own batch.
    public let deliveryRoutes: [DeliveryRoute]

    /// The entity type of a report's record; its id is `<licence>/<template>/<period>`.
    public static let entityType = "regulatorReport"
    public static let actor = VaultActor(id: "regvault-reports", role: "system")

    public init(vault: Vault, writer: LogWriter, configuration: ReportConfiguration, registry: ReportRegistry = .standard,
                deliveryRoutes: [DeliveryRoute] = []) {
        self.vault = vault
        self.writer = writer
        self.configuration = configuration
        self.registry = registry
        self.deliveryRoutes = deliveryRoutes
    }

    public typealias Inputs = ReportInputs

    /// Reads the records up to the latest signed checkpoint (shows progress through `progress`).
    public func inputs(progress: (@Sendable (ReportReadProgress) -> Void)? = nil) throws -> Inputs {
        try vault.reportInputs(progress: progress)
    }

    /// Files `templateId` for `licenceId` and `period` from `inputs`. `trigger` says why
    /// (`schedule`, `cli`, `catch-up`) and goes into the record.
    public func file(templateId: String, licenceId: String, period: ReportPeriod, trigger: String,
                     inputs: Inputs) async throws -> FiledReport {
        let started = DispatchTime.now().uptimeNanoseconds
        guard let licence = configuration.licence(id: licenceId) else {
            throw VaultError(.invalidRequest, "no licence \(licenceId) in the report configuration (licences: "
                + configuration.licences.map(\.id).joined(separator: ", ") + ")")
        }
        guard let template = registry.template(id: templateId) else {
            throw VaultError(.invalidRequest, ReportError.unknownTemplate(templateId).description)
        }
        let closes = licence.calendar.span(of: period).end
        guard closes <= writer.clock.nowMillis() else {
            throw VaultError(.invalidRequest, "\(period.label) closes at \(utcText(millis: closes)) (\(licence.id)'s gaming day); "
                + "a report is filed once its period has closed")
        }
        do { try template.check(licence: licence, period: period) } catch {
            throw VaultError(.invalidRequest, error.description)
        }
        let entityId = "\(licence.id)/\(template.id)/\(period.label)"
        let previous = try vault.history(entityType: Self.entityType, entityId: entityId).verified().last
        let previousState = try previous.flatMap { try Self.state(of: $0) }
        var version = 0
        if let previousState, let previousVersion = previousState["reportVersion"]?.numberText.flatMap({ Int($0) }) {
            let checkpoint = previousState["checkpoint"]?.objectValue
            let size = checkpoint?["size"]?.numberText.flatMap { Int64($0) } ?? -1
            let root = checkpoint?["root"]?.stringValue ?? ""
            let again = try render(template, licence, period, size: size, root: root, version: previousVersion, inputs.facts)
            let filedDigests = previousState["files"]?.arrayValue?.compactMap { $0.objectValue?["sha256"]?.stringValue } ?? []
            if again.map({ Self.sha256($0.bytes) }) == filedDigests, let previous {
                return FiledReport(eventId: previous.record.eventId, seq: previous.record.seq, reportVersion: previousVersion,
                                   unchanged: true, state: .object(previousState))
            }
            version = previousVersion + 1
        }
        let files = try render(template, licence, period, size: inputs.size, root: inputs.root, version: version, inputs.facts)
        let span = licence.calendar.span(of: period)
        var state: [String: JSONValue] = [
            "template": .string(template.id), "templateVersion": .int(Int64(template.version)),
            "licence": .string(licence.id), "licenceNumber": .string(licence.licenceNumber), "licenceSettings": licence.json,
            "period": .string(period.label), "cadence": .string(period.cadence.rawValue),
            "periodStart": .string(utcText(millis: span.start)), "periodEnd": .string(utcText(millis: span.end)),
            "generatedAt": .string(utcText(millis: span.end)), "reportVersion": .int(Int64(version)),
            "checkpoint": .object(["size": .int(inputs.size), "root": .string(inputs.root)]),
            "records": .int(Int64(inputs.facts.recordCount)), "trigger": .string(trigger),
        ]
        if let previous { state["replaces"] = .string(previous.record.eventId) }
        let eventId = "rpt:\(licence.id):\(template.id):\(period.label):v\(version)"
        return try await writer.storeReport(
            files: files.map { (key: "reports/\(licence.id)/\(template.id)/\(period.label)/\($0.name)", file: $0) },
            period: period.label, jurisdiction: licence.jurisdiction, eventId: eventId, entityId: entityId,
            action: version == 0 ? "generate" : "correct", state: state, reportVersion: version, started: started,
            deliveries: deliveryRoutes.filter { $0.carries(licence: licence.id, template: template.id) })
    }

    private func render(_ template: any ReportTemplate, _ licence: LicenceSettings, _ period: ReportPeriod, size: Int64,
                        root: String, version: Int, _ facts: ReportFacts) throws -> [ReportFile] {
        let context = ReportContext(licence: licence, period: period, checkpointSize: size, checkpointRoot: root,
                                    reportVersion: version, facts: facts)
        do {
            return try template.render(context)
        } catch {
            throw VaultError(.invalidRequest, "\(template.id) for \(licence.id) \(period.label): \(error.description)")
        }
    }

    /// The state of a report record, or nil when it was erased.
    static func state(of item: HistoryItem) throws -> [String: JSONValue]? {
        guard let body = item.record.body else { return nil }
        return try JSONParser.parse([UInt8](body)).objectValue?["state"]?.objectValue
    }

    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}

extension LogWriter {
    /// Writes each file's sealed bytes, then appends one batch: an object-version record per file
    /// and the report record naming them all. Either the whole batch commits or none of it does (the
    /// files written are then removed). The batch ends with one delivery per route in `deliveries`,
    /// so a filed report is never without the deliveries it is due.
    func storeReport(files: [(key: String, file: ReportFile)], period: String, jurisdiction: String, eventId: String,
                     entityId: String, action: String, state: [String: JSONValue], reportVersion: Int,
                     started: UInt64, deliveries: [DeliveryRoute] = []) async throws -> FiledReport {
        guard let objectFiles else { throw VaultError(.invalidRequest, "this writer has no object store") }
        let now = max(clock.nowMillis(), lastRecordedAt)
        var records: [ValidatedRecord] = []
        var listed: [JSONValue] = []
        for (key, file) in files {
            let versionId = ObjectFiles.newVersionId()
            let bytes = Data(file.bytes)
            let digest = ReportFiler.sha256(file.bytes)
            try objectFiles.write(bytes, versionId: versionId)
            let version = ObjectVersion(key: key, versionId: versionId, seq: -1, contentType: file.format.contentType,
                                        size: bytes.count, sha256: digest, period: period, recordedAt: now)
            records.append(VaultRecord.make(stream: .object, kind: .objectVersion, entityType: ObjectKey.entityType, entityId: key,
                                            action: "put", actor: ReportFiler.actor, at: now, state: version.state,
                                            eventId: ObjectFiles.eventIdPrefix + versionId, jurisdiction: jurisdiction))
            listed.append(.object(["name": .string(file.name), "format": .string(file.format.rawValue), "objectKey": .string(key),
                                   "versionId": .string(versionId), "sha256": .string(digest), "size": .int(Int64(bytes.count))]))
        }
        var state = state
        state["files"] = .array(listed)
        state["durationMillis"] = .int(Int64((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000))
        let record: JSONValue = .object([
            "eventId": .string(eventId), "stream": .string(RecordSchema.Stream.report.rawValue),
            "entity": .object(["type": .string(ReportFiler.entityType), "id": .string(entityId)]),
            "action": .string(action), "actor": ReportFiler.actor.json, "occurredAt": .string(Timestamp.format(millis: now)),
            "jurisdiction": .string(jurisdiction), "state": .object(state),
        ])
        do {
            records.append(try RecordValidator().validate(record.canonicalBytes, now: now))
            let reportIndex = records.count - 1
            let subject = Delivery.Subject(kind: "report", eventId: eventId, entityType: ReportFiler.entityType, entityId: entityId)
            for route in deliveries {
                let delivery = Delivery(destination: route.destination, channel: route.channel, subject: subject,
                                        jurisdiction: jurisdiction, enqueuedAt: now)
                records.append(delivery.record(action: "enqueue", at: now, eventId: "dlv:\(delivery.id):enqueue"))
            }
            let results = try await append(records)
            return FiledReport(eventId: eventId, seq: results[reportIndex].seq, reportVersion: reportVersion, unchanged: false,
                               state: .object(state))
        } catch {
            for object in records where object.eventId.hasPrefix(ObjectFiles.eventIdPrefix) {
                try? objectFiles.remove(eventId: object.eventId)
            }
            throw error
        }
    }
}
