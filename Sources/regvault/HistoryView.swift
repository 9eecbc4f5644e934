import Foundation
import VaultCore
import VaultFormat

/// The JSON shape of one version of an entity, shared by the CLI and (later) the inspector API.
enum HistoryView {
    static let decisionFields = ["decisionId", "policyVer", "dataVer", "modelVer"]

    static func json(_ item: HistoryItem) throws -> JSONValue {
        let record = item.record
        var out: [String: JSONValue] = [
            "seq": .int(record.seq), "version": .int(record.version), "eventId": .string(record.eventId),
            "stream": .string(record.stream), "recordedAt": .string(Timestamp.format(millis: record.recordedAt)),
            "entry": .base64(item.entry), "leafHash": .string(MerkleHashing.leafHash(item.entry).base64),
        ]
        guard let body = record.body, let salt = record.salt else {
            out["erased"] = .bool(true)
            return .object(out)
        }
        let submitted = try JSONParser.parse(Array(body))
        for key in ["occurredAt", "actor", "action", "reason"] + decisionFields {
            if let value = submitted[key] { out[key] = value }
        }
        out["diff"] = try record.diff.map { try JSONParser.parse(Array($0)) } ?? .null
        out["record"] = .base64(body)
        out["salt"] = .base64(salt)
        return .object(out)
    }
}
