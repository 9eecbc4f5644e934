#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation
public import VaultFormat
import VaultStore

/// What moving a vault from SQLite to PostgreSQL copied and then proved.
public struct MigrationReport: Sendable {
    /// Where the vault is kept now (the URL without its password).
    public var database = ""
    public var entries: Int64 = 0
    public var erased = 0
    public var checkpoints = 0
    public var objects = 0
    /// Object files no record refers to (a store interrupted before its record), not copied.
    public var unreferencedObjectFiles = 0
    /// The latest signed checkpoint, the same before and after.
    public var checkpoint = ""
    /// The check of the vault in PostgreSQL: every entry, root and signature recomputed.
    public var integrity = IntegrityReport()

    /// `{"database","entries","erased","checkpoints","objects","unreferencedObjectFiles","treeSize","rootHash","intact"}`.
    public var json: JSONValue {
        let head = try? Checkpoint(parsing: String(checkpoint.split(separator: "\n\n", maxSplits: 1).first ?? "") + "\n")
        return .object([
            "database": .string(database), "entries": .int(entries), "erased": .int(Int64(erased)),
            "checkpoints": .int(Int64(checkpoints)), "objects": .int(Int64(objects)),
            "unreferencedObjectFiles": .int(Int64(unreferencedObjectFiles)),
            "treeSize": .int(Int64(head?.size ?? 0)), "rootHash": .string(head.map { $0.rootHash.data.base64EncodedString() } ?? ""),
            "intact": .bool(integrity.isIntact),
        ])
    }
}

/// Where a move to PostgreSQL is, for a progress line.
public enum MigrationProgress: Sendable {
    case copied(entries: Int64, of: Int64)
    case compared(entries: Int64, of: Int64)
    case checked(entries: Int64, of: Int64)
}

extension Vault {
    /// Moves the SQLite vault in `path` into the PostgreSQL database at `url` (which holds the
    /// vault's empty schema, `regvault postgres schema`), proves the copy, and only then points
    /// `path` at the database.
    ///
    /// Order, which is the safety argument:
    /// 1. the writer lock on `path` is taken and held to the end (a server or an append on it
    ///    refuses to start; stop them first), the vault is opened with its usual checks, and the
    ///    database's sequencer lease is taken (a node already serving that database refuses it);
    /// 2. every row is copied as stored (entries, tree hashes, the records' sealed columns,
    ///    checkpoints, erasures, dictionaries, settings, the outbox, live objects' sealed bytes) in
    ///    ONE transaction, checked by the database's own rules as it goes: a failure leaves the
    ///    database empty and `path` untouched;
    /// 3. every row is read back from PostgreSQL and compared with SQLite's, and the vault in
    ///    PostgreSQL is checked in full (`checkIntegrity`: every entry, tree hash, root and signature
    ///    recomputed, every record against its commitment); any difference stops here, `path` still
    ///    uses SQLite;
    /// 4. `path/postgres.url` is written and `vault.sqlite` (with `-wal`, `-shm`) is renamed to
    ///    `vault.sqlite.migrated`, kept as the evidence of what was moved; object files stay, unread.
    /// The log is not re-signed: the same entries, roots and signed checkpoints are served, so
    /// anyone holding an old checkpoint can prove the moved log consistent with it.
    public static func migrateToPostgres(at path: String, url: String, pageSize: Int64 = 5_000,
                                         progress: ((MigrationProgress) -> Void)? = nil) throws -> MigrationReport {
        let directory = VaultDirectory(path: path)
        guard directory.exists else {
            let missing = FileManager.default.fileExists(atPath: path) ? "" : " (there is no such directory)"
            throw VaultError(.noVault, "no vault in \(path)\(missing)")
        }
        if try directory.postgresLocation() != nil {
            throw VaultError(.alreadyExists, "the vault in \(path) is already kept in PostgreSQL (\(directory.postgresLocationPath))")
        }
        let location: PostgresLocation
        do { location = try PostgresLocation(url: url) } catch { throw VaultError(.invalidRequest, "\(error)") }
        let lock = try WriterLock(path: directory.writerLockPath)
        let report = try withExtendedLifetime(lock) {
            var report = try copyAndProve(directory: directory, location: location, pageSize: pageSize, progress: progress)
            try directory.writePostgresLocation(url)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: directory.databasePath + suffix) {
                guard rename(directory.databasePath + suffix, directory.databasePath + ".migrated" + suffix) == 0 else {
                    throw VaultError(.integrity, "the vault was copied and proved, but \(directory.databasePath)\(suffix) cannot be "
                        + "renamed (\(String(cString: strerror(errno)))); rename it yourself: the vault now uses \(directory.postgresLocationPath)")
                }
            }
            report.database = location.description
            return report
        }
        return report
    }

    /// Steps 1 to 3 of `migrateToPostgres`; the SQLite and PostgreSQL stores are closed when it returns.
    private static func copyAndProve(directory: VaultDirectory, location: PostgresLocation, pageSize: Int64,
                                     progress: ((MigrationProgress) -> Void)?) throws -> MigrationReport {
        let source = try Vault.open(at: directory.path)
        guard let rows = source.store as? any StoredRowReading else {
            throw VaultError(.invalidRequest, "the vault in \(directory.path) is not kept in SQLite")
        }
        let target = try PostgresStore(location: location, cipher: source.cipher)
        defer { target.shutdown() }
        do {
            try target.becomeSequencer(holder: directory.sequencerHolder)
        } catch let error as StorageError where error.code == .sequencerBusy {
            throw VaultError(.sequencerBusy, "a node is serving the database \(location) (\(error.reason)); a vault moves only into an unused database")
        }
        let size = try source.store.treeSize()
        let objects = try liveObjectFiles(of: source)
        var report = MigrationReport()
        report.unreferencedObjectFiles = objects.unreferenced
        do {
            try target.importVault { importer in
                try copyRows(rows, source.store, size: size, objects: objects.live, into: importer, pageSize: pageSize, progress: progress)
            }
        } catch let error as StorageError where error.code == .occupied {
            throw VaultError(.alreadyExists, error.reason + " (as its owner: createdb NAME, then regvault postgres schema --role ROLE | "
                + "psql --single-transaction NAME)")
        }
        try compare(rows, source.store, with: target, size: size, pageSize: pageSize, objects: objects.live, progress: progress)
        let moved = try Vault(directory: directory, store: target, cipher: source.cipher, verifierKey: source.verifierKey,
                              policies: source.policies)
        report.integrity = try moved.checkIntegrity(pageSize: pageSize) { progress?(.checked(entries: $0, of: size)) }
        guard report.integrity.isIntact else {
            let first = report.integrity.problems.first.map { "\($0.location): \($0.reason)" } ?? ""
            throw VaultError(.integrity, "the copy in PostgreSQL does not check (\(report.integrity.problems.count) problems, first \(first)); "
                + "\(directory.path) still uses SQLite; the database holds the failed copy: drop and recreate it before trying again")
        }
        report.entries = size
        report.erased = try rows.erasureRows().count
        report.checkpoints = try rows.checkpointRows().count
        report.objects = objects.live.count
        report.checkpoint = try target.latestCheckpoint() ?? ""
        return report
    }

    /// Step 2 of `migrateToPostgres`: every row, inside the import's transaction.
    private static func copyRows(_ rows: any StoredRowReading, _ source: any VaultStorage, size: Int64, objects: [(String, String)],
                                 into importer: PostgresImport, pageSize: Int64, progress: ((MigrationProgress) -> Void)?) throws {
        try importer.insert(metadata: try rows.metadataRows())
        try importer.insert(dictionaries: try rows.dictionaryRows())
        for from in stride(from: Int64(0), to: size, by: Int(pageSize)) {
            let to = min(from + pageSize, size)
            try importer.insert(leaves: try source.leaves(from: from, to: to), records: try rows.sealedRecords(from: from, to: to))
            progress?(.copied(entries: to, of: size))
        }
        // Erasures before checkpoints: the database takes an erasure only from an erasure entry
        // that no stored checkpoint covers yet, as in the commit that made it.
        try importer.insert(erasures: try rows.erasureRows())
        try importer.insert(checkpoints: try rows.checkpointRows())
        try importer.replaceOutbox(with: try rows.outboxRows())
        for (versionId, file) in objects {
            guard let sealed = FileManager.default.contents(atPath: file) else {
                throw VaultError(.integrity, "the bytes of object version \(versionId) cannot be read from \(file)")
            }
            try importer.insert(objectBytes: sealed, versionId: versionId)
        }
    }

    /// The object files of versions whose records are in the log and not erased, by version id;
    /// and how many files no live record refers to.
    private static func liveObjectFiles(of vault: Vault) throws -> (live: [(String, String)], unreferenced: Int) {
        let files = try ObjectFiles(directory: vault.directory.objectsPath, cipher: vault.cipher).versionFiles().map { ($0.versionId, $0.path) }
        var live: [(String, String)] = []
        for start in stride(from: 0, to: files.count, by: 1_000) {
            let chunk = files[start..<min(start + 1_000, files.count)]
            let records = try vault.store.records(eventIds: chunk.map { ObjectFiles.eventIdPrefix + $0.0 })
            live += chunk.filter { records[ObjectFiles.eventIdPrefix + $0.0]?.salt != nil }
        }
        return (live, files.count - live.count)
    }

    /// Reads every row back from PostgreSQL and compares it with SQLite's.
    private static func compare(_ rows: any StoredRowReading, _ source: any VaultStorage, with target: PostgresStore, size: Int64,
                                pageSize: Int64, objects: [(String, String)], progress: ((MigrationProgress) -> Void)?) throws {
        func differs(_ what: String) -> VaultError {
            VaultError(.integrity, "the copy in PostgreSQL differs from the vault in SQLite: \(what); the vault still uses SQLite; "
                + "the database holds the failed copy: drop and recreate it before trying again")
        }
        guard try target.treeSize() == size else { throw differs("the number of entries") }
        for from in stride(from: Int64(0), to: size, by: Int(pageSize)) {
            let to = min(from + pageSize, size)
            guard try target.leaves(from: from, to: to) == source.leaves(from: from, to: to) else { throw differs("entries \(from)..<\(to)") }
            guard try target.sealedRecords(from: from, to: to) == rows.sealedRecords(from: from, to: to) else {
                throw differs("records \(from)..<\(to)")
            }
            progress?(.compared(entries: to, of: size))
        }
        guard try target.checkpointRows() == rows.checkpointRows() else { throw differs("the checkpoints") }
        guard try target.erasureRows() == rows.erasureRows() else { throw differs("the erasures") }
        guard try target.dictionaryRows() == rows.dictionaryRows() else { throw differs("the compression dictionaries") }
        guard try target.metadataRows() == rows.metadataRows() else { throw differs("the settings") }
        guard try target.outboxRows() == rows.outboxRows() else { throw differs("the outbox") }
        for (versionId, file) in objects where try target.readObject(versionId: versionId) != FileManager.default.contents(atPath: file) {
            throw differs("object version \(versionId)")
        }
    }
}
