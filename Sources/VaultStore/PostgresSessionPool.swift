import Foundation

/// The reader sessions of a store, each lent to one caller at a time: a read takes a session no
/// one is using and waits only while every session is busy. A read held up in the database (a lock,
/// a long scan) therefore holds only its own session; the reads after it go to the others.
///
/// The most recently returned session is lent first, so under light load reads keep to the
/// connections already open and the others are not connected at all (sessions connect on first use).
final class PostgresSessionPool: @unchecked Sendable {
    /// Every session, busy or not.
    let sessions: [PostgresSession]
    private var idle: [PostgresSession]
    private let condition = NSCondition()

    /// - Precondition: `sessions` is not empty.
    init(_ sessions: [PostgresSession]) {
        precondition(!sessions.isEmpty, "a session pool needs at least one session")
        self.sessions = sessions
        idle = sessions.reversed()
    }

    /// Runs `body` with a session no other caller holds until `body` returns, blocking the calling
    /// thread while every session is lent.
    func withSession<T>(_ body: (PostgresSession) throws -> T) rethrows -> T {
        condition.lock()
        while idle.isEmpty { condition.wait() }
        let session = idle.removeLast()
        condition.unlock()
        defer {
            condition.lock()
            idle.append(session)
            condition.signal()
            condition.unlock()
        }
        return try body(session)
    }
}
