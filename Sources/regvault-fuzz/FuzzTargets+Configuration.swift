import Foundation
import VaultConfiguration

/// The server's configuration file as `regvault serve --config` reads it, and the range and address
/// texts inside it, also on their own.
extension FuzzTargets {
    static func configuration(_ data: [UInt8]) {
        if let loaded = try? ServerConfiguration.load(path: Scratch.write(data)) {
            require(loaded.data.hasPrefix("/"), "a loaded configuration keeps a relative data directory")
            require(!loaded.identities.isEmpty && !loaded.tls.clientCAs.isEmpty, "a loaded configuration lets nobody in")
            require(loaded.identities.allSatisfy { $0.allowFrom.allSatisfy { CIDR($0) != nil } }, "a loaded range does not parse")
            require((try? ListenAddress(loaded.listen)) != nil, "a loaded listen address does not parse")
        }
        let text = String(decoding: data, as: UTF8.self)
        if let range = CIDR(text) {
            require(text.utf8.count <= 49, "a range longer than any address and prefix parses: \(text)")
            for address in ["10.1.2.3", "::ffff:10.1.2.3", "::1", "2001:db8::1", text.split(separator: "/").first.map(String.init) ?? ""] {
                _ = range.contains(address)
            }
            if let address = text.split(separator: "/").first {
                require(range.contains(String(address)), "a range does not contain its own network address: \(text)")
            }
        }
        if let address = try? ListenAddress(text) {
            require((0...65535).contains(address.port) && !address.host.isEmpty, "a listen address out of range parses: \(text)")
        }
    }
}
