import Foundation
import NIOPosix

/// Which addresses the vault may call out to. A destination's host must resolve only to public
/// addresses unless the destination is configured to allow private ones: this keeps a mistyped or
/// hostile configuration from reaching the operator's internal services (SSRF).
///
/// The check resolves the name before the call; the HTTP client resolves it again to connect, so a
/// name whose answer changes in between (DNS rebinding) is not caught here. Destinations come from
/// the configuration file only, which limits that to whoever controls the destination's DNS.
enum OutboundAddress {
    /// Throws, naming the address, if `host` is or resolves to a loopback, private, link-local,
    /// carrier-grade NAT, multicast or unspecified address. Resolution runs on NIO's thread pool,
    /// never on an event loop.
    static func requirePublic(host: String, port: Int) async throws {
        let addresses = try await NIOThreadPool.singleton.runIfActive { try resolve(host: host, port: port) }
        guard !addresses.isEmpty else { throw OutboundRefusal("\(host) has no address") }
        if let inner = addresses.first(where: isPrivate) {
            throw OutboundRefusal("\(host) resolves to \(inner), a private or loopback address; set allowPrivateAddress on the "
                + "destination if that is intended")
        }
    }

    /// The textual addresses `host` resolves to (numeric hosts resolve to themselves).
    static func resolve(host: String, port: Int) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(name, String(port), &hints, &result)
        guard status == 0, let first = result else {
            let reason = gai_strerror(status).flatMap { String(validatingCString: $0) } ?? "error \(status)"
            throw OutboundRefusal("\(host) does not resolve: \(reason)")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// True for addresses that are not on the public internet.
    static func isPrivate(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return isPrivateV4(UInt32(bigEndian: v4.s_addr))
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address.split(separator: "%").first.map(String.init) ?? address, &v6) == 1 else { return true }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            // IPv4-mapped: judge the IPv4 address inside.
            return isPrivateV4(bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if bytes[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if bytes[0] == 0xFF { return true }  // multicast
        return false
    }

    private static func isPrivateV4(_ a: UInt32) -> Bool {
        func within(_ network: UInt32, _ bits: UInt32) -> Bool { a >> (32 - bits) == network >> (32 - bits) }
        return within(0x0000_0000, 8) || within(0x0A00_0000, 8) || within(0x6440_0000, 10) || within(0x7F00_0000, 8)
            || within(0xA9FE_0000, 16) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) || within(0xE000_0000, 4)
            || a == 0xFFFF_FFFF
    }
}

/// An outbound call the vault refused to make, or could not; the message says why.
struct OutboundRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
