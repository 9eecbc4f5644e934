#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SwiftASN1
import VaultConfiguration
import X509

/// The names a server certificate is valid for (its subject alternative names), and whether a
/// client connecting to a host by name or address accepts it, as RFC 6125 has clients decide: a
/// DNS name matches case-insensitively, a wildcard only as the whole left-most label of a name
/// with at least two labels after it (`*.internal.example` matches `node1.internal.example`, not
/// `a.node1.internal.example`); an IP address only by an IP entry, never by a DNS one.
public struct CertificateNames: Sendable, CustomStringConvertible {
    let dnsNames: [String]
    let addresses: [[UInt8]]

    /// Reads the first certificate of the PEM file at `path`.
    /// - Throws: when the file cannot be read or holds no certificate.
    public init(pemFile path: String) throws {
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: path, encoding: .utf8))
        var dnsNames: [String] = [], addresses: [[UInt8]] = []
        for name in try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let dns): dnsNames.append(dns.lowercased())
            case .ipAddress(let octets): addresses.append(Array(octets.bytes))
            default: break
            }
        }
        self.dnsNames = dnsNames
        self.addresses = addresses
    }

    /// Whether a client reaching the server at `host` (a DNS name, an IPv4 address, or an IPv6
    /// address with or without brackets) accepts this certificate.
    public func covers(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let address = CIDR.addressBytes(bare) { return addresses.contains(address) }
        let name = bare.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return dnsNames.contains { pattern in
            guard pattern.hasPrefix("*.") else { return pattern == name }
            let suffix = pattern.dropFirst(1)
            guard suffix.split(separator: ".").count >= 2, name.hasSuffix(suffix) else { return false }
            let label = name.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
    }

    public var description: String {
        let names = dnsNames + addresses.map { CertificateNames.text(ofAddress: $0) }
        return names.isEmpty ? "no names" : names.joined(separator: ", ")
    }

    static func text(ofAddress bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.count == 4 || bytes.count == 16, inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else {
            return "an address of \(bytes.count) bytes"
        }
        return String(cString: buffer)
    }
}
