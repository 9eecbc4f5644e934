public import VaultConfiguration

/// Hummingbird has a `ServerConfiguration` of its own; inside the server the name means the vault's.
typealias ServerConfiguration = VaultConfiguration.ServerConfiguration
