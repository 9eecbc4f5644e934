public import Foundation
import NIOCore
import PostgresNIO

/// Stored objects' sealed bytes, in the `objects` table. Written on a reader connection, in a
/// transaction of its own before the version's record is committed (so a large upload does not
/// hold the writer's connection, and a crash in between leaves bytes no record refers to, never a
/// record without bytes), as `ObjectFiles` does with files.
extension PostgresStore: ObjectBytesStorage {
    public func writeObject(_ sealed: Data, versionId: String) throws -> Bool {
        try read { connection, logger in
            try PostgresSession.run("""
                INSERT INTO objects (version_id, bytes) VALUES (\(versionId), \(ByteBuffer(bytes: sealed))) ON CONFLICT DO NOTHING
                """, on: connection, logger: logger).metadata.rows == 1
        }
    }

    public func readObject(versionId: String) throws -> Data? {
        try rows("SELECT bytes FROM objects WHERE version_id = \(versionId)").first?.optionalData(0)
    }

    public func clearObject(versionId: String) throws {
        try read { connection, logger in
            _ = try PostgresSession.run("UPDATE objects SET bytes = NULL WHERE version_id = \(versionId) AND bytes IS NOT NULL",
                                        on: connection, logger: logger)
        }
    }
}
