import ArgumentParser
import VaultCore
import VaultFormat

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint note exactly as signed."
    )

    @OptionGroup var options: DataOption

    func run() throws {
        guard let checkpoint = try Vault.open(at: options.data).latestCheckpoint() else {
            throw CLIError("the vault has no checkpoint")
        }
        Output.raw(checkpoint.serialized)
    }
}

struct EntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Print one log entry's exact bytes (base64) and leaf hash."
    )

    @OptionGroup var options: DataOption

    @Option(help: "The entry's sequence number (its leaf index, from 0).")
    var seq: Int64

    func run() throws {
        let entry = try Vault.open(at: options.data).entry(seq: seq)
        Output.json(.object(["seq": .number(JSONNumber(Int(seq))), "entry": .string(entry.bytes.base64EncodedString()),
                             "leafHash": .string(entry.leafHash.base64)]))
    }
}

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print RFC 9162 inclusion and consistency proofs.",
        subcommands: [Inclusion.self, Consistency.self]
    )

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that entry SEQ is in the tree of SIZE leaves (default: the latest checkpoint's size)."
        )

        @OptionGroup var options: DataOption
        @Option(help: "The entry's sequence number.") var seq: Int64
        @Option(help: "The tree size to prove against.") var size: Int64?

        func run() throws {
            Output.json(EvidenceJSON.inclusion(try Vault.open(at: options.data).inclusionProof(seq: seq, size: size)))
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the tree of FROM leaves is a prefix of the tree of TO leaves."
        )

        @OptionGroup var options: DataOption
        @Option(help: "The older tree size (at least 1).") var from: Int64
        @Option(help: "The newer tree size (at most the latest checkpoint's size).") var to: Int64

        func run() throws {
            Output.json(EvidenceJSON.consistency(try Vault.open(at: options.data).consistencyProof(from: from, to: to)))
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print an entity's versions in order, one JSON object per line.",
        discussion: "On a terminal, each version as text (--format json for lines of JSON). "
            + "Each JSON line has seq, version, eventId, recordedAt, occurredAt, actor, action, reason, diff "
            + "(RFC 6902 from the previous version), the decision fields when present, and the evidence: the "
            + "record's exact bytes and salt (base64), its entry and leaf hash. An erased record shows "
            + "\"erased\":true with its entry only."
    )

    @OptionGroup var options: DataOption
    @Option(help: "The entity type, e.g. bonusRule.") var entity: String
    @Option(help: "The entity id, e.g. 123.") var id: String

    @Option(help: "text (the default on a terminal: each version, who, why, and before → after per path) or json (the default otherwise).")
    var format: TrailFormat?

    func run() throws {
        let items = try Vault.open(at: options.data).history(entityType: entity, entityId: id)
        guard !items.isEmpty else { throw CLIError("no records for \(entity) \(id)") }
        switch TrailFormat.resolved(format) {
        case .json: for item in items { Output.json(try EvidenceJSON.version(item)) }
        case .text:
            let touched = Vault.touchedPaths(items)
            Output.raw("\(entity) \(id): \(items.count) versions\n"
                + zip(items, touched).map { "\n" + ReadableTrail.block($0, touched: $1) }.joined())
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print an entity's audit trail: its versions with diffs, before and after values, evidence and inclusion proofs.",
        discussion: "One JSON object: {\"entity\", \"checkpoint\" (the signed note every proof leads to), "
            + "\"changes\": [each version as in 'history', plus \"inclusion\": {index, treeSize, leafHash, hashes} and "
            + "\"touched\": [{path, before, after}]], \"versions\", \"window\", \"nextCursor\"}. Every version unless "
            + "--limit, --from or --to narrow it; --from and --to filter on occurredAt (when the change happened). "
            + "On a terminal it prints each version as text instead (--format json for the JSON). "
            + "This is what the inspector API's /regulator/audit answers."
    )

    @OptionGroup var options: DataOption
    @Option(help: "The entity type, e.g. bonusRule.") var entity: String
    @Option(help: "The entity id, e.g. 123.") var id: String
    @Option(help: "Only versions whose occurredAt is at or after this RFC 3339 time.") var from: String?
    @Option(help: "Only versions whose occurredAt is before this RFC 3339 time.") var to: String?
    @Option(help: "At most this many versions (1 to \(Vault.maxPageSize)); the answer's nextCursor continues.") var limit: Int?
    @Option(help: "The nextCursor of the previous answer.") var cursor: String?
    @Option(help: "text (the default on a terminal: each version, who, why, and before → after per path) or json (the default otherwise).")
    var format: TrailFormat?

    func run() throws {
        if let limit, !(1...Vault.maxPageSize).contains(limit) {
            throw ValidationError("--limit must be 1 to \(Vault.maxPageSize)")
        }
        let window = AuditWindow(from: try from.map { try parseTime($0, option: "--from") },
                                 to: try to.map { try parseTime($0, option: "--to") },
                                 cursor: try cursor.map { text in
                                     do { return try PageCursor(text) } catch { throw ValidationError("--cursor: \(error)") }
                                 }, limit: limit)
        let trail = try Vault.open(at: options.data).audit(entityType: entity, entityId: id, window: window)
        switch TrailFormat.resolved(format) {
        case .json: Output.json(try EvidenceJSON.audit(trail))
        case .text: ReadableTrail.print(trail)
        }
    }
}
