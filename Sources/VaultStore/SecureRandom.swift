#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VaultFormat

/// Cryptographically secure random bytes (record salts, AES-GCM nonces, identifiers), from the
/// operating system's generator (`/dev/urandom` on Linux, read only once `getrandom(2)` says the
/// kernel's generator is seeded, after which both serve the same), drawn 4 KiB at a time.
///
/// Why a buffer: every record takes a 32-byte salt and a 12-byte nonce per sealed column, and
/// drawing each with system calls of its own (the standard library's generator, which swift-crypto's
/// keys and nonces use, makes one `getrandom` call per 8 bytes) cost about 6 % of ingest's CPU
/// (`perf` and `strace -c` on `regvault append`). One read per 4 KiB serves about fifty records.
/// Each byte drawn is handed out once and zeroed in the buffer; the buffer is process memory, as a
/// user-space CSPRNG's state is. The process never forks without exec, so no child can hand out
/// the same bytes.
///
/// Thread safety: any number of threads may draw at once (one lock around the buffer).
public enum SecureRandom {
    /// Bytes drawn from the operating system at once.
    static let refillBytes = 4096

    private static let pool = Locked(Pool())

    /// `count` random bytes, none of them ever returned before.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "a negative count of random bytes")
        guard count <= refillBytes / 4 else { return drawn(count) }
        return pool.withLock { pool in
            if pool.unused < count {
                pool.buffer = drawn(refillBytes)
                pool.unused = refillBytes
            }
            let start = refillBytes - pool.unused
            pool.unused -= count
            let bytes = Array(pool.buffer[start..<(start + count)])
            for index in start..<(start + count) { pool.buffer[index] = 0 }
            return bytes
        }
    }

    private struct Pool: Sendable {
        var buffer: [UInt8] = []
        /// Bytes at the end of `buffer` not handed out yet.
        var unused = 0
    }

    #if canImport(Glibc)
    /// `/dev/urandom`, opened once for the process's life, once the kernel's generator is seeded:
    /// the standard library's generator (`getrandom(2)`, no flags) waits for that, which early in
    /// boot `/dev/urandom` alone would not.
    private static let device: Int32 = {
        var seeded = SystemRandomNumberGenerator()
        _ = seeded.next()
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        precondition(descriptor >= 0, "cannot open /dev/urandom: errno \(errno)")
        return descriptor
    }()
    #endif

    /// `count` bytes straight from the operating system; stops the process if it has none to give
    /// (no fallback that would be weaker).
    private static func drawn(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            #if canImport(Glibc)
            var filled = 0
            while filled < count {
                let got = read(device, buffer.baseAddress! + filled, count - filled)
                if got < 0 && errno == EINTR { continue }
                precondition(got > 0, "reading /dev/urandom failed: errno \(errno)")
                filled += got
            }
            #else
            arc4random_buf(buffer.baseAddress!, count)
            #endif
        }
        return bytes
    }
}
