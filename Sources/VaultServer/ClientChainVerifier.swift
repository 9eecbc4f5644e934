import Foundation
import NIOCore
import NIOSSL
import X509

/// Verifies a client's certificate chain during the TLS handshake with swift-certificates' RFC 5280
/// policy: signatures up to one of the configured client CAs, validity dates, and the basic
/// constraints of every CA on the way, `pathLenConstraint` included. BoringSSL's own client chain
/// check accepted a leaf issued through an intermediate under a `pathlen:0` root (where
/// `openssl verify` refuses it), and an identity is only as good as the chain behind it; so this
/// check replaces it. A chain that fails is refused at the handshake: no request is read.
struct ClientChainVerifier: Sendable {
    /// The client CAs (production and sandbox) whose chains are accepted.
    let roots: [Certificate]

    init(authorityFiles: [String]) throws {
        roots = try authorityFiles.flatMap { file in
            try NIOSSLCertificate.fromPEMFile(file).map { try Certificate(derEncoded: try $0.toDERBytes()) }
        }
    }

    /// The chain's verdict: valid only if `presented` (leaf first, then any intermediates the client
    /// sent) chains to one of `roots` under RFC 5280 at `time`.
    func verify(_ presented: [Certificate], at time: Date = Date()) async -> Bool {
        guard let leaf = presented.first else { return false }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(validationTime: time) }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(presented.dropFirst()))
        if case .validCertificate = result { return true }
        return false
    }

    /// NIOSSL's custom verification callback over `verify`.
    var callback: @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResult>) -> Void {
        { [self] presented, promise in
            let chain: [Certificate]
            do {
                chain = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            } catch {
                promise.succeed(.failed)
                return
            }
            promise.completeWithTask { await self.verify(chain) ? .certificateVerified : .failed }
        }
    }
}
