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

struct IncidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "Incidents, newest first: state, regulatory deadlines (met or missed) and the notices sent.",
        subcommands: [IncidentsListCommand.self])
}

struct IncidentsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List incidents with their deadlines (working days count weekends only; the server also skips configured holidays).")

    @OptionGroup var options: DataOption

    @Option(help: "Only incidents of this severity (P1 to P4).")
    var severity: String?

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for incident in try Vault.open(at: options.data).incidents()
        where severity == nil || incident.state?["severity"]?.stringValue == severity {
            Output.json(incident.json(now: now))
        }
    }
}
