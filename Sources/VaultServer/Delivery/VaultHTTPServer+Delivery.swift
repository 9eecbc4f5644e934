import Foundation
import NIOSSL
import VaultConfiguration
import VaultCore

extension VaultHTTPServer {
    /// Where filed reports go: one route per configured destination that takes reports.
    var deliveryRoutes: [DeliveryRoute] {
        (configuration.deliveries?.destinations ?? []).filter(\.takesReports).map { destination in
            DeliveryRoute(destination: destination.id, channel: destination.channel, licences: destination.reports?.licences.map(Set.init),
                          templates: destination.reports?.templates.map(Set.init))
        }
    }

    /// Where incidents go: one route per configured destination that takes incidents, P1 notices
    /// granting read access for `deliveries.incidentAccessHours`.
    var incidentRoutes: [IncidentRoute] {
        let hours = configuration.deliveries?.incidentAccessHours ?? 0
        let accessHours = hours > 0 ? hours : nil
        return (configuration.deliveries?.destinations ?? []).compactMap { destination in
            destination.incidents.map { selection in
                IncidentRoute(destination: destination.id, channel: destination.channel, jurisdictions: selection.jurisdictions.map(Set.init),
                              severities: Set(selection.severities ?? ["P1"]), accessHours: accessHours)
            }
        }
    }

    /// The outbox's worker, when the configuration has destinations or callback hosts. Every
    /// secret and TLS file is loaded and checked here, so a server that would fail to deliver does
    /// not start.
    func makeDeliveryWorker() throws -> DeliveryWorker? {
        var channels: [String: any DeliveryChannel] = [:]
        for destination in configuration.deliveries?.destinations ?? [] { channels[destination.id] = try channel(for: destination) }
        var callbacks: [String: CallbackSettings] = [:]
        for identity in configuration.identities where !identity.callbackHosts.isEmpty {
            callbacks[identity.commonName] = try CallbackSettings(identity)
        }
        guard !channels.isEmpty || !callbacks.isEmpty else { return nil }
        return DeliveryWorker(vault: vault, writer: writer, outbox: vault.store, channels: channels, callbacks: callbacks,
                              retry: RetryPolicy(configuration.deliveries ?? .init(destinations: [])),
                              holidays: (configuration.deliveries?.holidays ?? [:]).mapValues(Set.init), metrics: metrics,
                              incidentAccess: incidentAccess, linkBase: configuration.deliveries?.linkBase)
    }
}

extension VaultHTTPServer {
    /// The destination's channel, its files read and checked.
    func channel(for destination: ServerConfiguration.Deliveries.Destination) throws -> any DeliveryChannel {
        if let email = destination.email { return try EmailChannel(destination: destination.id, settings: email, linkBase: configuration.deliveries?.linkBase) }
        if let sftp = destination.sftp { return try SFTPChannel(destination: destination.id, settings: sftp, vault: vault) }
        guard let webhook = destination.webhook else {
            throw ServerError.configuration("delivery destination \(destination.id) has no channel")
        }
        return try WebhookChannel(destination, webhook: webhook)
    }
}

/// How answers to one identity's requests are sent: its callback hosts, signing secret and TLS.
struct CallbackSettings: Sendable {
    let hosts: [String]
    let signature: WebhookSignature
    let tls: TLSConfiguration

    init(_ identity: ServerConfiguration.Identity) throws {
        hosts = identity.callbackHosts.map(CallbackSettings.normalized)
        signature = try WebhookSignature.load(path: identity.callbackSecretFile ?? "")
        tls = try WebhookChannel.tlsConfiguration(trustedCAs: identity.callbackTrustedCAs, clientCertificate: nil, clientKey: nil,
                                                  for: "identity \(identity.commonName)'s callbacks")
    }

    /// True if `url` is https on one of the hosts.
    func allows(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), components.scheme == "https", let host = components.host else { return false }
        return CallbackSettings.allows(host: host, in: hosts)
    }

    /// A host as callback hosts are compared: lower case, an IPv6 address without its brackets.
    static func normalized(_ host: String) -> String {
        host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
    }

    /// True if `host` is one of `allowed` (as configured or already normalised).
    static func allows(host: String, in allowed: [String]) -> Bool {
        allowed.map(normalized).contains(normalized(host))
    }
}
