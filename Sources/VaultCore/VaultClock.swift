import Foundation
import VaultFormat

/// The vault's source of time, injectable so tests can live through years in milliseconds.
/// Times are milliseconds since the Unix epoch, UTC.
public protocol VaultClock: Sendable {
    func nowMillis() -> Int64
}

/// The machine's wall clock.
public struct SystemClock: VaultClock {
    public init() {}

    public func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// A clock that only moves when told to; for tests.
public final class ManualClock: VaultClock {
    private let now: Locked<Int64>

    public init(millis: Int64) {
        now = Locked(millis)
    }

    public func nowMillis() -> Int64 {
        now.withLock { $0 }
    }

    public func advance(millis: Int64) {
        now.withLock { $0 += millis }
    }

    public func set(millis: Int64) {
        now.withLock { $0 = millis }
    }
}
