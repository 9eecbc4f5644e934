public import VaultJSON
public import VaultStore

/// A record's RFC 6902 diff from its entity's previous state, as committed.
///
/// The store keeps a diff for every version except a first version that carried its full state:
/// that diff is the state added whole (`JSONPatch.diff(from: nil, to: state)`), which the record
/// itself already holds, so it is recomputed here instead of stored twice.
public enum RecordDiff {
    /// The diff of `record`, whose committed body parses to `body`; nil when the record changed no
    /// state.
    /// - Throws: when the stored diff is not JSON.
    public static func of(_ record: StoredRecord, body: JSONValue) throws -> JSONValue? {
        if let stored = record.diff { return try JSONParser.parse(Array(stored)) }
        return body["state"].flatMap { unstored(record, state: $0) }
    }

    /// The diff of `record`, or nil when it has none or its bytes are erased or not JSON.
    public static func of(_ record: StoredRecord) -> JSONValue? {
        if let stored = record.diff { return try? JSONParser.parse(Array(stored)) }
        guard let body = record.body, let state = (try? JSONParser.parse(Array(body)))?["state"] else { return nil }
        return unstored(record, state: state)
    }

    /// The diff the store leaves out for `record`, whose committed state is `state`: the state added
    /// whole for a first version, nil for any other.
    public static func unstored(_ record: StoredRecord, state: JSONValue) -> JSONValue? {
        record.version == 1 ? JSONPatch.diff(from: nil, to: state) : nil
    }
}
