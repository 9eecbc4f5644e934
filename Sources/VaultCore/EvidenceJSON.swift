public import Foundation
public import VaultFormat

/// The JSON shapes the vault answers with, shared by the command line and the inspector API, so
/// that both say exactly the same thing.
public enum EvidenceJSON {
    /// Fields of a record body shown beside the diff when present.
    static let recordFields = ["occurredAt", "actor", "approver", "action", "reason", "playerId", "jurisdiction",
                               "decisionId", "policyVer", "dataVer", "modelVer"]

    /// One version of an entity: seq, version, eventId, stream, recordedAt, `retention` (class, mode
    /// and retain-until as fixed in its entry), the record's fields,
    /// `diff` (RFC 6902 from the previous version), and the evidence: `record` and `salt` (base64
    /// of the exact bytes), `entry` and `leafHash`. An erased record shows `"erased": true` and its
    /// entry, its commitment (which the erased bytes cannot be guessed from) and `erasedBy`, the seq
    /// of the erasure entry that lists it.
    public static func version(_ item: HistoryItem) throws -> JSONValue {
        let record = item.record
        var out: [String: JSONValue] = [
            "seq": .int(record.seq), "version": .int(record.version), "eventId": .string(record.eventId),
            "stream": .string(record.stream), "recordedAt": .string(Timestamp.format(millis: record.recordedAt)),
            "entity": .object(["type": .string(record.entityType), "id": .string(record.entityId)]),
            "entry": .base64(item.entry), "leafHash": .string(MerkleHashing.leafHash(item.entry).base64),
        ]
        if let entry = try? Entry(parsing: item.entry) {
            // As fixed in the entry at ingest; extensions and holds are at /v1/records/{seq}/retention.
            out["retention"] = .object([
                "class": .string(entry.retentionClass), "mode": .string(entry.retentionMode.name),
                "retainUntil": .string(entry.retainUntil == Int64.max ? "indefinite" : Timestamp.format(millis: entry.retainUntil)),
            ])
        }
        guard let body = record.body, let salt = record.salt else {
            out["erased"] = .bool(true)
            if let entry = try? Entry(parsing: item.entry) { out["commitment"] = .string(entry.commitment.base64) }
            out["erasedBy"] = item.erasedBy.map { .int($0) } ?? .null
            return .object(out)
        }
        let submitted = try JSONParser.parse(Array(body))
        for key in recordFields {
            if let value = submitted[key] { out[key] = value }
        }
        out["diff"] = try RecordDiff.of(record, body: submitted) ?? .null
        out["record"] = .base64(body)
        out["salt"] = .base64(salt)
        return .object(out)
    }

    /// A page of a listing: `{"records":[version...],"nextCursor":"..."|null}` plus `extra` members.
    public static func page(_ page: RecordPage, extra: [String: JSONValue]) throws -> JSONValue {
        var object = extra
        object["records"] = .array(try page.items.map(version))
        object["nextCursor"] = page.nextCursor.map { .string($0) } ?? .null
        return .object(object)
    }

    /// `{"index","treeSize","leafHash","hashes"}`.
    public static func inclusion(_ proof: InclusionProof) -> JSONValue {
        .object(["index": .int(proof.index), "treeSize": .int(proof.treeSize), "leafHash": .string(proof.leafHash.base64),
                 "hashes": .hashes(proof.hashes)])
    }

    /// `{"from","to","hashes"}`.
    public static func consistency(_ proof: ConsistencyProof) -> JSONValue {
        .object(["from": .int(proof.from), "to": .int(proof.to), "hashes": .hashes(proof.hashes)])
    }

    /// `{"entity":{"type","id"},"checkpoint":"<signed note>","changes":[version + "inclusion" +
    /// "touched"],"versions":N,"window":{...},"nextCursor":"..."|null}`; every proof's tree size is
    /// the checkpoint's size. `touched` lists `{"path","before","after"}` for each path the version
    /// changed (`before` is left out for a path it added, `after` for one it removed); `versions`
    /// counts all the entity's versions; `window` says which time `from` and `to` filter on.
    public static func audit(_ trail: AuditTrail) throws -> JSONValue {
        var object = trailMembers(trail)
        object["changes"] = .array(try trail.changes.map(change))
        return .object(object)
    }

    /// One change of a trail: the version, its inclusion proof and the paths it touched.
    static func change(_ change: AuditTrail.Change) throws -> JSONValue {
        var object = try version(change.item).objectValue ?? [:]
        object["inclusion"] = inclusion(change.inclusion)
        object["touched"] = .array(change.touched.map { touched in
            var path: [String: JSONValue] = ["path": .string(touched.path)]
            if let before = touched.before { path["before"] = before }
            if let after = touched.after { path["after"] = after }
            return .object(path)
        })
        return .object(object)
    }

    /// Every member of a trail's JSON but `changes`.
    static func trailMembers(_ trail: AuditTrail) -> [String: JSONValue] {
        var window: [String: JSONValue] = ["time": .string("occurredAt")]
        if let from = trail.window.from { window["from"] = .string(Timestamp.format(millis: from)) }
        if let to = trail.window.to { window["to"] = .string(Timestamp.format(millis: to)) }
        if let limit = trail.window.limit { window["limit"] = .int(Int64(limit)) }
        return [
            "entity": .object(["type": .string(trail.entityType), "id": .string(trail.entityId)]),
            "checkpoint": .string(trail.checkpoint.serialized),
            "versions": .int(Int64(trail.versionCount)),
            "window": .object(window),
            "nextCursor": trail.nextCursor.map { .string($0.text) } ?? .null,
        ]
    }

    /// `audit(trail).canonicalBytes`, built on every core: each change is decoded and serialised
    /// on its own, and the members are joined in canonical order ("changes" before the rest). The
    /// bytes are identical to the single-threaded ones.
    public static func auditBytes(_ trail: AuditTrail) throws -> [UInt8] {
        let changes = trail.changes
        let parts = try ParallelMap.mapItems(changes.count) { index in
            Result { () throws -> [UInt8] in try change(changes[index]).canonicalBytes }
        }.map { try $0.get() }
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(1024) { $0 + $1.count })
        out.append(contentsOf: #"{"changes":["#.utf8)
        for (index, part) in parts.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: part)
        }
        out.append(UInt8(ascii: "]"))
        // The other members' names all sort after "changes": write them as one object without its brace.
        let rest = JSONValue.object(trailMembers(trail)).canonicalBytes
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: rest.dropFirst())
        return out
    }
}

extension JSONValue {
    public static func int(_ value: Int64) -> JSONValue { .number(JSONNumber(Int(value))) }
    public static func base64(_ bytes: some DataProtocol) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
    public static func hashes(_ hashes: [Hash]) -> JSONValue { .array(hashes.map { .string($0.base64) }) }
}
