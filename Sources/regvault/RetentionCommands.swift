import ArgumentParser
import Foundation
import VaultCore
import VaultFormat

/// Who the command line acts as in the entries it writes: `--actor`, else `cli:$USER`.
struct ActorOption: ParsableArguments {
    @Option(help: "Who is acting, as recorded in the entry (default: cli:$USER).")
    var actor: String?

    var vaultActor: VaultActor {
        VaultActor(id: actor ?? "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "operator"))
    }
}

extension DataOption {
    /// The vault's writer (the server must not be running).
    func writer() throws -> LogWriter {
        try Vault.open(at: data).makeWriter()
    }
}

/// Prints `{name: value, "seq": the entry that recorded the change}`.
func printChange(_ name: String, _ value: JSONValue, seq: Int64) {
    Output.json(.object([name: value, "seq": .number(JSONNumber(Int(seq)))]))
}

/// Parses an RFC 3339 time argument.
func parseTime(_ text: String, option: String) throws -> Int64 {
    guard let millis = Timestamp.parseMillis(text) else {
        throw ValidationError("\(option) must be an RFC 3339 time such as 2033-11-20T00:00:00Z")
    }
    return millis
}

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Erase every record whose retention has ended and that no legal hold covers.",
        discussion: "Each page of erased records gets an erasure entry listing them with their class, retain-until and "
            + "the rule they expired under. The bodies, salts, diffs and states of erased records are overwritten, "
            + "and the write-ahead log is truncated, so they cannot be recovered from the vault's files. Entries stay: "
            + "every proof still verifies. Prints {examined, erased, erasureEntries, held, awaitingTrigger}, with "
            + "remains when the store keeps more than the vault can remove (on PostgreSQL, old row versions until "
            + "the database's owner runs VACUUM FULL records, objects). "
            + "The server sweeps by itself (sweepIntervalSeconds); stop it before running this."
    )

    @OptionGroup var options: DataOption

    func run() async throws {
        let writer = try options.writer()
        let summary = try await writer.sweep { progress in
            Output.note("sweep: examined \(progress.examined), erased \(progress.erased), held \(progress.held)")
        }
        if let remains = summary.remains { Output.note("sweep: \(remains)") }
        Output.json(summary.json)
    }
}

struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Place, lift and list legal holds.",
        discussion: "A legal hold blocks the erasure of everything it covers, whatever the retention dates say, until "
            + "it is lifted. Placing and lifting are entries in the log (stream vault.hold).",
        subcommands: [Place.self, Lift.self, List.self]
    )

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Place a legal hold on one scope.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Option(help: "Hold every record about this player.") var player: String?
        @Option(help: "Hold every version of this entity type (with --id).") var entity: String?
        @Option(help: "The entity id (with --entity).") var id: String?
        @Option(name: .customLong("object-key"), help: "Hold every version of this stored object.") var objectKey: String?
        @Option(help: "Hold every record of this stream.") var stream: String?
        @Option(help: "Hold one record.") var seq: Int64?
        @Option(name: .customLong("case"), help: "The case reference, e.g. CASE-2026-41.") var caseReference: String
        @Option(help: "Why the hold is placed.") var reason: String

        func run() async throws {
            var scopes: [JSONValue] = []
            if let player { scopes.append(.object(["playerId": .string(player)])) }
            if let entity {
                guard let id else { throw ValidationError("--entity needs --id") }
                scopes.append(.object(["entity": .object(["type": .string(entity), "id": .string(id)])]))
            }
            if let objectKey { scopes.append(.object(["objectKey": .string(objectKey)])) }
            if let stream { scopes.append(.object(["stream": .string(stream)])) }
            if let seq { scopes.append(.object(["seq": .number(JSONNumber(Int(seq)))])) }
            guard scopes.count == 1 else {
                throw ValidationError("give exactly one of --player, --entity/--id, --object-key, --stream, --seq")
            }
            let scope = try LegalHold.Scope(json: scopes[0])
            let writer = try options.writer()
            let (hold, seq) = try await writer.placeHold(scope: scope, caseReference: caseReference, reason: reason,
                                                         actor: who.vaultActor)
            printChange("hold", hold.json, seq: seq)
        }
    }

    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift an active legal hold.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Option(help: "The hold's id, as printed when it was placed.") var id: String
        @Option(help: "Why the hold is lifted.") var reason: String

        func run() async throws {
            let writer = try options.writer()
            let (hold, seq) = try await writer.liftHold(id: id, reason: reason, actor: who.vaultActor)
            printChange("hold", hold.json, seq: seq)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List legal holds, one JSON object per line.")
        @OptionGroup var options: DataOption
        @Flag(help: "Include lifted holds.") var all = false

        func run() throws {
            for hold in try Vault.open(at: options.data).retention.holds() where all || hold.isActive {
                Output.json(hold.json)
            }
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show and change one record's retention.",
        discussion: "Retention can be extended, never shortened, except in governance mode with --bypass-governance "
            + "and a reason; whoever runs this command with access to the data directory acts as admin. Compliance "
            + "mode cannot be shortened by anyone. Every change is an entry (stream vault.retention).",
        subcommands: [Show.self, Extend.self, Shorten.self, Lock.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a record's mode, retain-until, holds and state.")
        @OptionGroup var options: DataOption
        @Option(help: "The record's seq.") var seq: Int64

        func run() throws {
            let (_, state) = try Vault.open(at: options.data).retention.state(seq: seq)
            Output.json(state.json)
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep a record until at least --until.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Option(help: "The record's seq.") var seq: Int64
        @Option(help: "The new retain-until (RFC 3339).") var until: String
        @Option(help: "Why.") var reason: String

        func run() async throws {
            let writer = try options.writer()
            let (state, seq) = try await writer.changeRetention(seq: self.seq, change: .extend(until: parseTime(until, option: "--until")),
                                                                actor: who.vaultActor, reason: reason)
            printChange("retention", state.json, seq: seq)
        }
    }

    struct Shorten: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shorten a governance-mode record's retention.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Option(help: "The record's seq.") var seq: Int64
        @Option(help: "The new retain-until (RFC 3339).") var until: String
        @Flag(name: .customLong("bypass-governance"), help: "Required: bypass governance-mode retention.") var bypass = false
        @Option(help: "Required: why.") var reason: String?

        func run() async throws {
            let writer = try options.writer()
            let authority = RetentionState.Authority(isAdmin: true, bypassGovernance: bypass, reason: reason)
            let (state, seq) = try await writer.changeRetention(
                seq: self.seq, change: .shorten(until: parseTime(until, option: "--until"), authority: authority),
                actor: VaultActor(id: who.vaultActor.id, role: "admin"), reason: reason)
            printChange("retention", state.json, seq: seq)
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a governance-mode record to compliance mode.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Option(help: "The record's seq.") var seq: Int64
        @Option(help: "Why.") var reason: String

        func run() async throws {
            let writer = try options.writer()
            let (state, seq) = try await writer.changeRetention(seq: self.seq, change: .lockInComplianceMode,
                                                                actor: who.vaultActor, reason: reason)
            printChange("retention", state.json, seq: seq)
        }
    }
}
