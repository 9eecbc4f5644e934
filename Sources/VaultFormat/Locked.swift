import Foundation

/// A value that many threads share, read and changed only while holding its lock: the project's
/// one lock type, used where the standard library's `Mutex` would be.
///
/// Why not `Synchronization.Mutex`: on Linux it is built on futexes that ThreadSanitizer cannot
/// see, so every correctly locked access through it is reported as a race (checked with Swift
/// 6.3.1: eight threads incrementing a `Mutex`-guarded counter give four reports; the same code over
/// `NSLock` gives none). A race detector that cries wolf hides real races, so shared state here
/// goes through `NSLock` (pthread mutexes), which ThreadSanitizer understands (`tools/tsan.sh`).
///
/// Why `@unchecked Sendable` is safe: `value` is private and touched only inside `withLock`,
/// between `lock()` and `unlock()` of the one `NSLock`, which orders every access after the
/// previous one; `Value` must itself be `Sendable`, so nothing reachable from it escapes unsafely.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value. `body` must not call `withLock` on the same
    /// instance (the lock is not recursive).
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
