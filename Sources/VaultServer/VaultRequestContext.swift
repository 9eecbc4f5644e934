public import Hummingbird
public import NIOCore
public import VaultConfiguration

/// The identity a request was authenticated as: the verified client certificate's common name,
/// its roles from the configuration, and the address it came from.
public struct ClientIdentity: Sendable {
    public let commonName: String
    public let roles: Set<Role>
    public let address: String
    /// The subject of the bearer token the request carried, if any (its roles are then `roles`).
    public var tokenSubject: String? = nil
    /// The incident access grant the request's `rvi_` credential names, if it carried one.
    public var incidentGrant: String? = nil

    /// How the vault records who acted: the common name, or `<common name>/<token subject>`.
    public var name: String { tokenSubject.map { commonName + "/" + $0 } ?? commonName }
}

/// What a handler may know about a request beyond the request itself: the connection it came on
/// and, once `AuthenticationMiddleware` has run, who sent it. Typed, not a dictionary.
public struct VaultRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TLS connection, from which the verified peer certificate and address are read.
    public let channel: any Channel
    /// Set by `AuthenticationMiddleware` before any handler runs.
    public var identity: ClientIdentity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Request bodies are limited by the routes that take them.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}
