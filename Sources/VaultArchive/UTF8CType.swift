#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs libarchive calls with the calling thread's character type set to UTF-8.
///
/// libarchive converts member names between UTF-8 and the C library's current character set.
/// Under the default "C" locale it cannot represent non-ASCII names: reading them raises
/// warnings, and libarchive 3.6 crashes writing a pax header for a non-ASCII name. Every
/// libarchive call in this module therefore runs inside ``run(_:)``, which switches only the
/// calling thread (`uselocale`) and restores the previous locale before returning, so the
/// process-wide locale and code running in between are unaffected.
enum UTF8CType {
    /// Whether a UTF-8 C locale exists on this system. Readers and writers refuse to start
    /// without one rather than mangle or refuse non-ASCII names later.
    static var isAvailable: Bool { locale != nil }

    /// Runs `body` with the calling thread's `LC_CTYPE` set to UTF-8.
    static func run<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let locale else {
            return try body()
        }
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        return try body()
    }

    /// Created once and never freed; `locale_t` values may be shared between threads.
    private nonisolated(unsafe) static let locale: locale_t? = {
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8", "UTF-8"] {
            if let locale = newlocale(LC_CTYPE_MASK, name, nil) {
                return locale
            }
        }
        return nil
    }()
}
