import GRDB

/// The SQLite schema, version 1. Every table is STRICT. Leaves and checkpoints are append-only and
/// records can only be erased: triggers refuse anything else, so even a bug in the vault cannot
/// rewrite history through SQL.
///
/// Each leaf row keeps the tree hashes of that leaf's append that storage keeps (`StoredLeaf`:
/// all but levels 1 to 3, which reads recompute from the entries), so one sequential row per
/// record holds both the entry and its share of the tree; a proof reads its rows in one read
/// transaction, a range seek per run of consecutive leaves.
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2: stream and player indexes") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3: erasures") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4: erasure only by an erasure entry, never before compliance retention ends") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5: the delivery outbox") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6: only delivery entities enter the outbox") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7: compression dictionaries; stream and player indexes without seq") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8: an erasure entry comes after the record it erases") { db in
            // Only v4's rule as v4 made it is replaced: a trigger dropped or altered since is left as
            // it is, for the check on open to name and `restoreProtections` to install as it is now.
            let stored = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'erasures_precede_erasure'")
            if stored == v4ErasureRule { try db.execute(sql: v8) }
        }
        // No statement: entries stored from here on keep no tree hashes of levels 1 to 3
        // (`StoredLeaf.recomputedLevels`), which releases before it cannot read, and this
        // migration's name tells a later release's refusal (`SQLiteStore.init`) which database it is.
        migrator.registerMigration("v9: leaf rows keep no tree hashes of levels 1 to 3") { _ in }
        return migrator
    }

    /// Every trigger of the current schema, by name, with its SQL exactly as SQLite keeps it: what
    /// `SQLiteStore.protectionProblems()` holds the database to. Read from a new in-memory
    /// database migrated with `migrator()`, so it cannot drift from the migrations.
    static let expectedTriggers: [String: String] = {
        do {
            let queue = try DatabaseQueue()
            try migrator().migrate(queue)
            return try queue.read { db in
                try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    .map { ($0[0] as String, $0[1] as String) })
            }
        } catch {
            fatalError("the vault's own schema does not migrate in memory: \(error)")
        }
    }()

    /// The zstd dictionaries record columns are compressed with (`ColumnCompressor`), in the order
    /// they were trained. Every frame compressed with one needs it for as long as the record is
    /// kept, so they are never changed or deleted; each is stored in the transaction before the
    /// first column compressed with it.
    ///
    /// The stream and player indexes lose their explicit `seq`: every index of a rowid table ends
    /// with the rowid, which `seq` is, so it was stored twice (about 9 bytes a record) and the
    /// queries' order and `seq >` seeks are served the same without it.
    static let v7 = """
    DROP INDEX records_by_stream;
    CREATE INDEX records_by_stream ON records(stream, recorded_at);
    DROP INDEX records_by_player;
    CREATE INDEX records_by_player ON records(player_id) WHERE player_id IS NOT NULL;
    CREATE TABLE dictionaries (
        number INTEGER PRIMARY KEY NOT NULL,
        id INTEGER NOT NULL UNIQUE,
        stream TEXT NOT NULL,
        bytes BLOB NOT NULL
    ) STRICT;
    CREATE TRIGGER dictionaries_are_never_changed BEFORE UPDATE ON dictionaries
    BEGIN SELECT RAISE(ABORT, 'compression dictionaries are never changed'); END;
    CREATE TRIGGER dictionaries_are_never_deleted BEFORE DELETE ON dictionaries
    BEGIN SELECT RAISE(ABORT, 'compression dictionaries are never deleted'); END;
    """

    /// The erasure rule of `v4`, and the erasure entry must come after the record it erases and be
    /// in the commit being made, which no stored checkpoint covers yet (the vault stores an
    /// erasure with its erasure entry, in one transaction, before the batch's checkpoint): an
    /// erasure entry already in the log cannot be used again, for any record. (The entry commits to
    /// the erasure record, whose sealed body names the seqs it erases; the database cannot read it,
    /// so this is what it can check.)
    static let v8 = """
    DROP TRIGGER erasures_precede_erasure;
    CREATE TRIGGER erasures_precede_erasure BEFORE INSERT ON erasures
    WHEN NEW.erased_by <= NEW.seq
      OR NEW.erased_by < COALESCE((SELECT max(size) FROM checkpoints), 0)
      OR (SELECT salt FROM records WHERE seq = NEW.seq) IS NULL
      OR COALESCE((SELECT substr(entry, 2, 1) FROM leaves WHERE seq = NEW.erased_by), x'') != x'04'
      OR (SELECT substr(r.entry, 19, 1) = x'02' AND substr(r.entry, 20, 8) > substr(e.entry, 11, 8)
          FROM leaves r, leaves e WHERE r.seq = NEW.seq AND e.seq = NEW.erased_by)
    BEGIN SELECT RAISE(ABORT, 'a record is erased only in the commit of an erasure entry after it, and a compliance record not before its retain-until'); END;
    """

    /// Byte offsets (1-based, for SQL `substr`) of an `Entry`'s fields: kind at 2, recorded-at at 11
    /// (8 bytes), retention mode at 19, retain-until at 20 (8 bytes). Big-endian, so for the
    /// non-negative times the vault writes, comparing the 8-byte blobs compares the times.
    ///
    /// An erasure now happens in this order, inside the commit of the batch that holds the erasure
    /// entry: the `erasures` row first, then the record's erasable columns set to NULL. The database
    /// itself refuses:
    /// - an `erasures` row for a record that does not exist or is already erased, or whose
    ///   `erased_by` is not an erasure entry (kind 4) already in the log (and, since `v8`, one
    ///   after the record, in the commit being made);
    /// - an `erasures` row for a compliance-mode record (mode 2) whose entry's retain-until is later
    ///   than the erasure entry's recorded-at: compliance retention cannot end early, whoever asks;
    /// - nulling a record's columns without its `erasures` row, or changing anything else.
    /// Extensions and legal holds are the vault's to enforce (they live in the log, not in columns);
    /// this is the floor that holds even for a client with write access to the database file.
    /// `vault.delivery` also holds what a delivery carries besides its own entries (the read access
    /// a P1 notice grants, entity `incidentAccess`): only `delivery` entities enter the outbox.
    static let v6 = """
    DROP TRIGGER deliveries_enter_the_outbox;
    CREATE TRIGGER deliveries_enter_the_outbox AFTER INSERT ON records
    WHEN NEW.stream = 'vault.delivery' AND NEW.entity_type = 'delivery' AND NEW.version = 1
    BEGIN INSERT INTO outbox (delivery_id, due_at) VALUES (NEW.entity_id, NEW.recorded_at); END;
    """

    /// The outbox (`OutboxStorage`): one row per delivery still to be sent. The trigger puts a
    /// delivery in it in the very transaction that appends its first entry (version 1 of a
    /// `delivery` entity on `vault.delivery`), due at once; the delivery worker leases, reschedules
    /// and removes rows. Rows are working state; the log's delivery entries are the evidence.
    static let v5 = """
    CREATE TABLE outbox (
        delivery_id TEXT PRIMARY KEY NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until INTEGER
    ) STRICT;
    CREATE INDEX outbox_by_due ON outbox(due_at);
    CREATE TRIGGER deliveries_enter_the_outbox AFTER INSERT ON records
    WHEN NEW.stream = 'vault.delivery' AND NEW.version = 1
    BEGIN INSERT INTO outbox (delivery_id, due_at) VALUES (NEW.entity_id, NEW.recorded_at); END;
    """

    /// `v4`'s erasure rule, exactly as SQLite keeps its text (`v8` replaces it).
    static let v4ErasureRule = """
    CREATE TRIGGER erasures_precede_erasure BEFORE INSERT ON erasures
    WHEN (SELECT salt FROM records WHERE seq = NEW.seq) IS NULL
      OR COALESCE((SELECT substr(entry, 2, 1) FROM leaves WHERE seq = NEW.erased_by), x'') != x'04'
      OR (SELECT substr(r.entry, 19, 1) = x'02' AND substr(r.entry, 20, 8) > substr(e.entry, 11, 8)
          FROM leaves r, leaves e WHERE r.seq = NEW.seq AND e.seq = NEW.erased_by)
    BEGIN SELECT RAISE(ABORT, 'a record is erased only by an erasure entry, and a compliance record not before its retain-until'); END
    """

    static let v4 = """
    DROP TRIGGER erasures_follow_erasure;
    DROP TRIGGER records_change_only_by_erasure;
    \(v4ErasureRule);
    CREATE TRIGGER records_change_only_by_erasure BEFORE UPDATE ON records
    WHEN NOT (NEW.body IS NULL AND NEW.salt IS NULL AND NEW.diff IS NULL AND NEW.state_after IS NULL
              AND NEW.seq = OLD.seq AND NEW.event_id = OLD.event_id AND NEW.stream = OLD.stream
              AND NEW.entity_type = OLD.entity_type AND NEW.entity_id = OLD.entity_id
              AND NEW.player_id IS OLD.player_id AND NEW.occurred_at = OLD.occurred_at
              AND NEW.recorded_at = OLD.recorded_at AND NEW.version = OLD.version
              AND EXISTS (SELECT 1 FROM erasures WHERE seq = OLD.seq))
    BEGIN SELECT RAISE(ABORT, 'records can only be erased by an erasure entry, never changed'); END;
    """

    /// Which erasure entry erased which record; written in the same transaction as the erasure,
    /// append-only like the leaves.
    static let v3 = """
    CREATE TABLE erasures (
        seq INTEGER PRIMARY KEY NOT NULL,
        erased_by INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER erasures_are_append_only_update BEFORE UPDATE ON erasures
    BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
    CREATE TRIGGER erasures_are_append_only_delete BEFORE DELETE ON erasures
    BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
    CREATE TRIGGER erasures_follow_erasure BEFORE INSERT ON erasures
    WHEN (SELECT salt FROM records WHERE seq = NEW.seq) IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'only an erased record has an erasure'); END;
    """

    /// The inspector's queries: one stream in a time window, one player's timeline.
    static let v2 = """
    CREATE INDEX records_by_stream ON records(stream, recorded_at, seq);
    CREATE INDEX records_by_player ON records(player_id, seq) WHERE player_id IS NOT NULL;
    """

    static let v1 = """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE leaves (
        seq INTEGER PRIMARY KEY NOT NULL,
        entry BLOB NOT NULL,
        hashes BLOB NOT NULL
    ) STRICT;

    CREATE TABLE records (
        seq INTEGER PRIMARY KEY NOT NULL,
        event_id TEXT NOT NULL,
        stream TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        player_id TEXT,
        occurred_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        body BLOB,
        salt BLOB,
        diff BLOB,
        state_after BLOB
    ) STRICT;
    CREATE UNIQUE INDEX records_by_event_id ON records(event_id);
    CREATE INDEX records_by_entity ON records(entity_type, entity_id);

    CREATE TABLE checkpoints (
        size INTEGER PRIMARY KEY NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;

    -- Leaves and checkpoints are only ever appended at the end. This also stops INSERT OR REPLACE,
    -- whose implicit deletes do not fire delete triggers unless recursive_triggers is on (the vault
    -- turns it on for its own connections, which protects records from REPLACE too; a record row
    -- replaced from outside no longer matches its leaf's commitment).
    CREATE TRIGGER leaves_append_at_the_end BEFORE INSERT ON leaves
    WHEN NEW.seq != COALESCE((SELECT seq + 1 FROM leaves ORDER BY seq DESC LIMIT 1), 0)
    BEGIN SELECT RAISE(ABORT, 'log leaves are appended at the end only'); END;
    CREATE TRIGGER checkpoints_grow BEFORE INSERT ON checkpoints
    WHEN NEW.size <= COALESCE((SELECT size FROM checkpoints ORDER BY size DESC LIMIT 1), -1)
    BEGIN SELECT RAISE(ABORT, 'checkpoints are appended with growing sizes only'); END;

    CREATE TRIGGER leaves_are_append_only_update BEFORE UPDATE ON leaves
    BEGIN SELECT RAISE(ABORT, 'log leaves are append-only'); END;
    CREATE TRIGGER leaves_are_append_only_delete BEFORE DELETE ON leaves
    BEGIN SELECT RAISE(ABORT, 'log leaves are append-only'); END;
    CREATE TRIGGER checkpoints_are_append_only_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
    CREATE TRIGGER checkpoints_are_append_only_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
    CREATE TRIGGER records_are_never_deleted BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'records are never deleted; expired records are erased'); END;
    CREATE TRIGGER records_change_only_by_erasure BEFORE UPDATE ON records
    WHEN NOT (NEW.body IS NULL AND NEW.salt IS NULL AND NEW.diff IS NULL AND NEW.state_after IS NULL
              AND NEW.seq = OLD.seq AND NEW.event_id = OLD.event_id AND NEW.stream = OLD.stream
              AND NEW.entity_type = OLD.entity_type AND NEW.entity_id = OLD.entity_id
              AND NEW.player_id IS OLD.player_id AND NEW.occurred_at = OLD.occurred_at
              AND NEW.recorded_at = OLD.recorded_at AND NEW.version = OLD.version)
    BEGIN SELECT RAISE(ABORT, 'records can only be erased, never changed'); END;
    """
}
