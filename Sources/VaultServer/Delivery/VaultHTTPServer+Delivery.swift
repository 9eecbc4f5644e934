import VaultConfiguration
import VaultCore

extension VaultHTTPServer {
    /// Where filed reports go: one route per configured destination.
    var deliveryRoutes: [DeliveryRoute] {
        configuration.deliveries?.destinations.map { destination in
            DeliveryRoute(destination: destination.id, channel: "webhook", licences: destination.reports?.licences.map(Set.init),
                          templates: destination.reports?.templates.map(Set.init))
        } ?? []
    }

    /// The outbox's worker, when the configuration has destinations. Every destination's secret and
    /// TLS files are loaded and checked here, so a server that would fail to deliver does not start.
    func makeDeliveryWorker() throws -> DeliveryWorker? {
        guard let deliveries = configuration.deliveries, !deliveries.destinations.isEmpty else { return nil }
        var channels: [String: WebhookChannel] = [:]
        for destination in deliveries.destinations { channels[destination.id] = try WebhookChannel(destination) }
        return DeliveryWorker(vault: vault, writer: writer, outbox: vault.store, channels: channels,
                              retry: RetryPolicy(deliveries), metrics: metrics)
    }
}
