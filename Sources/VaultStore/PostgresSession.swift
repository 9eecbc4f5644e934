import Foundation
import Logging
import NIOCore
public import PostgresNIO

/// One PostgreSQL connection, used by one caller at a time and opened again when it was lost.
///
/// The store's contract is synchronous, so a call blocks its thread until the database answers:
/// the connection's work runs on the store's own event loop, never on the caller's, and `wait()`
/// on it from any other thread (a request handler's included) cannot deadlock.
final class PostgresSession: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let configuration: PostgresConnection.Configuration
    private let eventLoop: any EventLoop
    private let id: Int
    let logger: Logger

    init(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, id: Int, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.id = id
        self.logger = logger
    }

    /// Runs `body` with the connection, connecting first when there is none or it was closed. A
    /// connection that fails under `body` is dropped, so the next call connects again.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let current: PostgresConnection
        if let connection, !connection.isClosed {
            current = connection
        } else {
            do {
                current = try PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger).wait()
            } catch {
                throw StorageError(.unavailable, "cannot connect to PostgreSQL: \(PostgresSession.describe(error))")
            }
            connection = current
        }
        do {
            return try body(current)
        } catch {
            if current.isClosed { connection = nil }
            throw error
        }
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try PostgresSession.run("BEGIN", on: connection, logger: logger)
            do {
                let result = try body(connection)
                try PostgresSession.run("COMMIT", on: connection, logger: logger)
                return result
            } catch {
                _ = try? PostgresSession.run("ROLLBACK", on: connection, logger: logger)
                throw error
            }
        }
    }

    /// Closes the connection, if one is open.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        try? connection?.close().wait()
        connection = nil
    }

    /// The rows of `query`, and how many rows it changed; a database error becomes a
    /// `StorageError` carrying the server's own message.
    @discardableResult
    static func run(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) throws -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            throw StorageError(storageCode(error), PostgresSession.describe(error))
        }
    }

    /// The server's message and SQLSTATE for a database error; what postgres-nio says otherwise.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    private static func storageCode(_ error: any Error) -> StorageError.Code {
        guard let error = error as? PSQLError else { return .unavailable }
        switch error.serverInfo?[.sqlState] {
        case "55P03": return .fenced  // lock_not_available: raised by the fence
        case "23000", "23505", "23503", "23514": return .corrupt
        case nil: return .unavailable
        default: return .database
        }
    }
}

/// Typed reads of a result row's columns by position.
struct PostgresCells {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = PostgresRandomAccessRow(row)
    }

    func int64(_ column: Int) throws -> Int64 { try row[column].decode(Int64.self) }
    func optionalInt64(_ column: Int) throws -> Int64? { try row[column].decode(Int64?.self) }
    func string(_ column: Int) throws -> String { try row[column].decode(String.self) }
    func optionalString(_ column: Int) throws -> String? { try row[column].decode(String?.self) }
    func data(_ column: Int) throws -> Data { try row[column].decode(Data.self) }
    func optionalData(_ column: Int) throws -> Data? { try row[column].decode(Data?.self) }
    /// Nil for NULL and for an empty value (how a record's row keeps an absent diff or state).
    func presentData(_ column: Int) throws -> Data? { try optionalData(column).flatMap { $0.isEmpty ? nil : $0 } }
    func bool(_ column: Int) throws -> Bool { try row[column].decode(Bool.self) }
}
