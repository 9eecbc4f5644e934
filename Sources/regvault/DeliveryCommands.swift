import ArgumentParser
import Foundation
import VaultCore

struct DeliveriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "What the vault has sent to regulators' destinations, and how each attempt went.",
        subcommands: [DeliveriesListCommand.self, DeliveriesShowCommand.self])
}

struct DeliveriesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List deliveries, newest first: destination, what each carries, status, attempts, the last answer.")

    @OptionGroup var options: DataOption

    @Option(help: "Only deliveries in this status: pending, retrying, delivered or dead.")
    var status: String?

    func run() throws {
        let wanted = try status.map { text in
            guard let status = Delivery.Status(rawValue: text) else {
                throw CLIError("--status is one of " + Delivery.Status.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return status
        }
        let vault = try Vault.open(at: options.data)
        for delivery in try vault.deliveries(status: wanted) { Output.json(delivery.json) }
    }
}

struct DeliveriesShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one delivery's every entry: its enqueue and each attempt, with the receiver's answer.")

    @OptionGroup var options: DataOption

    @Argument(help: "The delivery id (msg_…), as `regvault deliveries list` shows it.")
    var id: String

    func run() throws {
        let history = try Vault.open(at: options.data).deliveryHistory(id: id)
        guard !history.isEmpty else { throw CLIError("no delivery \(id) (regvault deliveries list shows them)") }
        for entry in history { Output.json(entry.json) }
    }
}

struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "Incidents, newest first: state, regulatory deadlines (met or missed), the notices sent and the ticket.",
        discussion: "A ticket goes open → acknowledged → notified → closed (or notified before acknowledged); its status is "
            + "the latest step. Each step is an entry on the incident itself, with who and why; the vault adds `notify` when a "
            + "regulator's destination takes the first notice, and `notify` records a notification made another way. "
            + "ack, notify and close write to the vault (the server must not be running); with a server, use "
            + "POST /v1/incidents/{id}/acknowledge, /notify and /close.",
        subcommands: [IncidentsListCommand.self, IncidentsShowCommand.self, IncidentStepCommand.Acknowledge.self,
                      IncidentStepCommand.Notify.self, IncidentStepCommand.Close.self])
}

struct IncidentsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List incidents with their deadlines (working days count weekends only; the server also skips configured holidays).")

    @OptionGroup var options: DataOption

    @Option(help: "Only incidents of this severity (P1 to P4).")
    var severity: String?

    @Option(help: "Only tickets in this status: open, acknowledged, notified or closed.")
    var status: String?

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for incident in try Vault.open(at: options.data).incidents()
        where (severity == nil || incident.severity == severity) && (status == nil || incident.ticket.status.rawValue == status) {
            Output.json(incident.json(now: now))
        }
    }
}

struct IncidentsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one incident: state, deadlines, notices and ticket.")

    @OptionGroup var options: DataOption

    @Argument(help: "The incident's id (entity incident/<id>), as `regvault incidents list` shows it.")
    var id: String

    func run() throws {
        guard let incident = try Vault.open(at: options.data).incident(entityId: id) else {
            throw CLIError("no incident \(id) (regvault incidents list shows them)")
        }
        Output.json(incident.json(now: Int64(Date().timeIntervalSince1970 * 1000)))
    }
}

/// `regvault incidents ack|close ID --reason …`: one step of the ticket, as an entry.
enum IncidentStepCommand {
    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an incident: someone is on it.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Argument(help: "The incident's id.") var id: String
        @Option(help: "A note: who handles it, what happens next.") var reason: String?

        func run() async throws { try await IncidentStepCommand.take("acknowledge", id: id, reason: reason, options: options, who: who) }
    }

    struct Notify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify", abstract: "Record that the regulator was told another way (a portal, a call).")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Argument(help: "The incident's id.") var id: String
        @Option(help: "How and when the regulator was told (required): a portal reference, a call.") var reason: String

        func run() async throws { try await IncidentStepCommand.take("notify", id: id, reason: reason, options: options, who: who) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an incident, saying what was done and found.")
        @OptionGroup var options: DataOption
        @OptionGroup var who: ActorOption
        @Argument(help: "The incident's id.") var id: String
        @Option(help: "What was done, what was found (required).") var reason: String

        func run() async throws { try await IncidentStepCommand.take("close", id: id, reason: reason, options: options, who: who) }
    }

    static func take(_ action: String, id: String, reason: String?, options: DataOption, who: ActorOption) async throws {
        let writer = try options.writer()
        let ticket = try await writer.advanceIncident(entityId: id, action: action, reason: reason, actor: who.vaultActor)
        Output.json(.object(["incident": .string(id), "ticket": ticket.json]))
    }
}
