#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import VaultFormat
import VaultStore

/// A record that passed validation: its canonical bytes (RFC 8785 JSON of exactly what was
/// submitted), the fields the vault indexes, and a fresh salted commitment to the bytes.
public struct ValidatedRecord: Sendable {
    public let eventId: String
    /// The stream: one of `RecordSchema.Stream`, or one of the vault's own (`VaultStream`).
    public let streamName: String
    /// What kind of entry the record gets.
    public let kind: EntryKind
    public let entityType: String
    public let entityId: String
    public let playerId: String?
    public let jurisdiction: String
    /// Milliseconds since the Unix epoch.
    public let occurredAt: Int64
    public let action: String
    public let canonicalBytes: [UInt8]
    /// The entity's full new state, when the record carries one.
    public let state: JSONValue?
    /// An explicit RFC 6902 patch from the entity's previous state, when the record carries one.
    public let explicitDiff: JSONValue?
    /// 32 random bytes; the commitment is `SHA-256(salt || canonicalBytes)`.
    public let salt: [UInt8]
    public let commitment: Hash
    /// The 1-based line of the input this record came from, for error messages.
    public var line: Int?
    /// A stored object's lock, checked by `ObjectLockRules` against the policy's rule (never below
    /// it); it replaces the mode and retain-until the policy assigns.
    public var requestedRetention: (mode: RetentionMode, retainUntil: Int64)?
}

/// Checks submitted records against `RecordSchema` and canonicalises them. Pure apart from drawing
/// the salt, so many records can be validated in parallel before the single writer sequences them.
public struct RecordValidator: Sendable {
    /// The salt of a record's commitment. 32 bytes: the regulators' contract (the pacts in
    /// `Tests/python/pacts/`) expects every served salt as 32 bytes of base64, so a shorter salt
    /// (16 would do cryptographically) waits for a new version of that contract.
    public static let saltLength = 32
    /// The event id prefix of the regulator sandbox's synthetic records, in any case. The production
    /// log refuses such records and the sandbox log takes no others, so neither log's data can enter
    /// the other.
    public static let sandboxEventIdPrefix = "sbx-"

    /// True when validating for the sandbox log (see `sandboxEventIdPrefix`).
    public let isSandbox: Bool
    /// True for the records the vault writes itself on client streams (incidents its rules raise,
    /// tickets' steps, filed reports): the names reserved for them (`reservedEventIdPrefixes`,
    /// `reservedEntityTypes`, the incident stream's ticket actions) are refused from anyone else.
    public let isVaultWritten: Bool

    /// Event id prefixes of the vault's own records: a client cannot pre-empt or imitate one.
    public static let reservedEventIdPrefixes = ["ticket:", "rule:", "grant:", "dlv:", "inc:delivery:"]
    /// Entity types the vault's own lookups find by type and id.
    public static let reservedEntityTypes: Set<String> = ["delivery", "incidentAccess", "regulatorRequest"]
    /// The incident stream's actions that are ticket steps (`IncidentTicket`), the vault's to record.
    public static let ticketActions: Set<String> = ["acknowledge", "notify", "close"]

    public init(sandbox: Bool = false, vaultWritten: Bool = false) {
        isSandbox = sandbox
        isVaultWritten = vaultWritten
    }

    /// Validates one record given as the bytes of one JSON object.
    /// - Parameters:
    ///   - now: the vault's current time, which `occurredAt` may not exceed by more than
    ///     `RecordSchema.maxClockSkewMillis`.
    ///   - salt: the commitment's salt; by default 32 fresh random bytes. The sandbox, whose log
    ///     must be reproducible byte for byte, passes its own (derived from public data, so its
    ///     commitments hide nothing), and so does the bulk append's check, whose commitments are
    ///     never stored.
    public func validate(_ bytes: [UInt8], now: Int64, salt: [UInt8]? = nil) throws(RecordRejection) -> ValidatedRecord {
        guard bytes.count <= RecordSchema.maxRecordBytes else {
            throw RecordRejection(.tooLarge, field: nil, "record is \(bytes.count) bytes; the limit is \(RecordSchema.maxRecordBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, limits: JSONLimits(maxDepth: 32, maxStringBytes: RecordSchema.maxRecordBytes,
                                                                   maxBytes: RecordSchema.maxRecordBytes))
        } catch {
            throw RecordRejection(.malformedJSON, field: nil, "\(error)")
        }
        guard let object = value.objectValue else {
            throw RecordRejection(.malformedJSON, field: nil, "a record must be a JSON object")
        }
        if object.keys.contains(where: { RecordSchema.fields[$0] == nil }) {
            let unknown = object.keys.filter { RecordSchema.fields[$0] == nil }.sorted()[0]
            throw RecordRejection(.unknownField, field: unknown, "unknown field; see docs/RECORDS.md for the record schema")
        }
        for key in RecordSchema.requiredFields where object[key] == nil {
            throw RecordRejection(.missingField, field: key, "required field is missing")
        }

        let eventId = try identifier(object, "eventId")
        if eventId.lowercased().hasPrefix(RecordValidator.sandboxEventIdPrefix) != isSandbox {
            throw RecordRejection(.wrongLog, field: "eventId", isSandbox
                ? "the sandbox log takes only synthetic records, whose event ids start with \(RecordValidator.sandboxEventIdPrefix)"
                : "event ids starting with \(RecordValidator.sandboxEventIdPrefix) belong to the regulator sandbox's synthetic data, "
                    + "which never enters the production log")
        }
        let streamName = try string(object, "stream")
        guard let stream = RecordSchema.Stream(rawValue: streamName) else {
            throw RecordRejection(.unknownStream, field: "stream", "unknown stream '\(streamName.prefix(64))'; streams are "
                + RecordSchema.Stream.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let entity = object["entity"]?.objectValue else {
            throw RecordRejection(.invalidField, field: "entity", "must be an object {\"type\":...,\"id\":...}")
        }
        if let key = entity.keys.filter({ $0 != "type" && $0 != "id" }).sorted().first {
            throw RecordRejection(.unknownField, field: "entity.\(key)", "entity has only type and id")
        }
        let entityType = try name(entity, "type", path: "entity.type")
        let entityId = try identifier(entity, "id", path: "entity.id")
        let action = try name(object, "action")
        if !isVaultWritten {
            if let prefix = RecordValidator.reservedEventIdPrefixes.first(where: { eventId.hasPrefix($0) }) {
                throw RecordRejection(.invalidField, field: "eventId", "event ids starting with \(prefix) are the vault's own")
            }
            if RecordValidator.reservedEntityTypes.contains(entityType) {
                throw RecordRejection(.invalidField, field: "entity.type", "\(entityType) is an entity type the vault keeps itself")
            }
            if stream == .incident, RecordValidator.ticketActions.contains(action) {
                throw RecordRejection(.invalidField, field: "action", "\(action) is a step of the incident's ticket, taken through "
                    + "POST /v1/incidents/{id}/\(action) (or by the vault); a platform opens and updates incidents with other "
                    + "actions (open, update, resolve)")
            }
        }
        try validateActor(object["actor"], field: "actor")
        if object["approver"] != nil { try validateActor(object["approver"], field: "approver") }
        let occurredText = try string(object, "occurredAt")
        guard let occurredAt = Timestamp.parseMillis(occurredText) else {
            throw RecordRejection(.invalidField, field: "occurredAt", "must be an RFC 3339 time such as 2026-11-20T10:00:00Z")
        }
        guard occurredAt <= now + RecordSchema.maxClockSkewMillis else {
            throw RecordRejection(.invalidField, field: "occurredAt", "is more than 5 minutes in the future of the vault's clock")
        }
        let jurisdiction = try string(object, "jurisdiction")
        guard RecordSchema.isJurisdiction(jurisdiction) else {
            throw RecordRejection(.invalidField, field: "jurisdiction", "must be an ISO 3166-1 alpha-2 code such as MT or GB")
        }
        if let reason = object["reason"] {
            guard let text = reason.stringValue, RecordSchema.isPlainText(text, maxLength: RecordSchema.maxReasonLength) else {
                throw RecordRejection(.invalidField, field: "reason",
                                      "must be text of at most \(RecordSchema.maxReasonLength) characters without control characters")
            }
        } else if stream == .auditChange {
            throw RecordRejection(.missingField, field: "reason", "changes on the audit.change stream must give a reason")
        }
        let playerId = object["playerId"] == nil ? nil : try identifier(object, "playerId")
        for key in ["decisionId", "policyVer", "dataVer", "modelVer"] where object[key] != nil {
            guard let text = object[key]?.stringValue, !text.isEmpty,
                  RecordSchema.isPlainText(text, maxLength: RecordSchema.maxIdentifierLength) else {
                throw RecordRejection(.invalidField, field: key, "must be text of 1 to \(RecordSchema.maxIdentifierLength) characters")
            }
        }
        let state = object["state"]
        if let state, state.objectValue == nil {
            throw RecordRejection(.invalidField, field: "state", "must be a JSON object: the entity's full new state")
        }
        if stream == .incident, !isSandbox, let severity = state?.objectValue?["severity"] {
            // A severity that is not exactly P1–P4 would route nowhere: a typo must not keep a P1 from its regulator.
            guard let text = severity.stringValue, RecordSchema.incidentSeverities.contains(text) else {
                let shown = severity.stringValue.map { "'\($0.prefix(16))'" } ?? "not text"
                throw RecordRejection(.invalidField, field: "state.severity", "must be P1, P2, P3 or P4 (upper case), not \(shown)")
            }
        }
        let diff = object["diff"]
        if let diff {
            guard state == nil else {
                throw RecordRejection(.invalidField, field: "diff", "give either state or diff, not both")
            }
            do {
                try JSONPatch.validate(diff)
            } catch {
                throw RecordRejection(.invalidField, field: "diff", "not an RFC 6902 JSON Patch: \(error)")
            }
        }

        let canonical = value.canonicalBytes
        let salt = salt ?? SecureRandom.bytes(RecordValidator.saltLength)
        return ValidatedRecord(eventId: eventId, streamName: stream.rawValue, kind: .record, entityType: entityType,
                               entityId: entityId,
                               playerId: playerId, jurisdiction: jurisdiction, occurredAt: occurredAt,
                               action: action, canonicalBytes: canonical, state: state, explicitDiff: diff, salt: salt,
                               commitment: Entry.commitment(salt: salt, record: canonical))
    }

    // MARK: field checks

    private func string(_ object: [String: JSONValue], _ key: String, path: String? = nil) throws(RecordRejection) -> String {
        guard let text = object[key]?.stringValue else {
            throw RecordRejection(.invalidField, field: path ?? key, "must be a string")
        }
        return text
    }

    private func identifier(_ object: [String: JSONValue], _ key: String, path: String? = nil) throws(RecordRejection) -> String {
        let text = try string(object, key, path: path)
        guard RecordSchema.isIdentifier(text) else {
            throw RecordRejection(.invalidField, field: path ?? key, "must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / -")
        }
        return text
    }

    private func name(_ object: [String: JSONValue], _ key: String, path: String? = nil) throws(RecordRejection) -> String {
        let text = try string(object, key, path: path)
        guard RecordSchema.isName(text) else {
            throw RecordRejection(.invalidField, field: path ?? key, "must be a letter followed by up to 63 of A-Z a-z 0-9 _ . -")
        }
        return text
    }

    /// A person or service: `actor` (who acted) or `approver` (who approved it), `{id, role?, ip?}`.
    private func validateActor(_ value: JSONValue?, field: String) throws(RecordRejection) {
        guard let actor = value?.objectValue else {
            throw RecordRejection(.invalidField, field: field, "must be an object {\"id\":...,\"role\":...,\"ip\":...}")
        }
        if let key = actor.keys.filter({ $0 != "id" && $0 != "role" && $0 != "ip" }).sorted().first {
            throw RecordRejection(.unknownField, field: "\(field).\(key)", "\(field) has only id, role and ip")
        }
        guard let id = actor["id"]?.stringValue, !id.isEmpty,
              RecordSchema.isPlainText(id, maxLength: RecordSchema.maxIdentifierLength), !id.utf8.contains(0x0A) else {
            throw RecordRejection(.invalidField, field: "\(field).id", "must be 1 to 128 characters of text on one line")
        }
        if actor["role"] != nil { _ = try name(actor, "role", path: "\(field).role") }
        if actor["ip"] != nil {
            let ip = try string(actor, "ip", path: "\(field).ip")
            guard RecordValidator.isIPAddress(ip) else {
                throw RecordRejection(.invalidField, field: "\(field).ip", "must be an IPv4 or IPv6 address")
            }
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
