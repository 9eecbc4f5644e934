import Crypto

/// Cryptographically secure random bytes.
enum SecureRandom {
    /// `count` random bytes from swift-crypto's generator (BoringSSL's CSPRNG, seeded by the
    /// operating system), which is fast enough to draw a salt for every record.
    static func bytes(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }
}
