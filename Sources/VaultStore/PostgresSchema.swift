/// The vault's schema in PostgreSQL 15 or later: the same tables as `SQLiteSchema` (text keys
/// compare byte by byte, `COLLATE "C"`, as SQLite's do, whatever the database's locale), the same
/// append-only and erasure rules enforced by the database itself, and the sequencer's fenced lease.
///
/// Three layers protect history. Triggers refuse any change to leaves, checkpoints, erasures and
/// dictionaries and any change to a record but its erasure, from whoever writes rows, the owner
/// included (short of dropping the triggers). The application role is granted only what the vault
/// does (SELECT and INSERT; UPDATE of a record's four erasable columns; the outbox, the settings and
/// the lease) and owns nothing, so it cannot drop or alter a table, a trigger or a function: the
/// tables belong to an owner role the vault never connects as. The trigger functions run with a
/// fixed `search_path` and name every table with its schema, so a session's temporary tables
/// cannot stand in for the real ones. A compliance record is erased only by an erasure entry
/// recorded after its retain-until, and never before the database's own clock reaches it.
///
/// Each record's row carries its log entry (`entry`, without the seq and recording time the row
/// states anyway: `wholeEntries`) and the tree hashes kept of its append (`hashes`, as `StoredLeaf`
/// says), so an entry costs one row, one tuple header and one primary key, not two; `leaves`
/// holds the entries of databases made before that (`upgrade` moves no row), takes no new one,
/// and is empty in a database made since. Every read of the log and every rule reads both.
///
/// Stored objects' sealed bytes (`objects`, one row per version, where SQLite's vaults keep files)
/// are in the database too, so that every node serves what any node stored; a version's bytes are
/// cleared only once its record is erased, or when its record never made it into the log.
///
/// The sequencer lease (`sequencer`, one row): a node becomes the sequencer by taking the lease,
/// which adds one to its `token`; each commit states the token it holds (`SET LOCAL
/// regvault.fence`), and the trigger on every insert into records, leaves, checkpoints, erasures
/// and dictionaries reads the lease row `FOR SHARE` and refuses the insert unless that token is still
/// the current one. So:
/// - a node whose lease was taken over can no longer write to the log, whatever its clock says (a
///   process paused past its lease wakes up fenced out);
/// - a takeover waits for a commit already past the check to end (the share lock), so no commit
///   of the old sequencer lands after the new one has started;
/// - a paused sequencer holding that share lock is cut off by `idle_in_transaction_session_timeout`
///   (the store sets it on each session; set it on the application role as well, with
///   `tcp_user_timeout` for a host that vanished), so it cannot hold a takeover back for long.
/// Together with the compare-and-swap on the tree head in every commit, two nodes can never extend
/// the tree from the same head. The row also holds the base URL the holder serves clients on
/// (`url`, published once it listens), where standbys redirect their clients.
public enum PostgresSchema {
    /// The DDL, for a database owned by the role that runs it, granting `applicationRole` what the
    /// vault needs. Run it once in an empty database (as one transaction).
    /// - Precondition: `applicationRole` is a valid identifier (`isValidRole`).
    public static func sql(applicationRole: String) -> String {
        precondition(isValidRole(applicationRole), "the application role must be validated before use")
        return digests + wholeEntries + tables + recordIndexes + objectsClearedOnlyWhenUnreferenced + protections + statementRules + lease
            + entriesInRecords + releaseFunction + grants.replacingOccurrences(of: "{app}", with: applicationRole)
    }

    /// The schema's release: `regvault_schema_release()` in the database returns it, and a node
    /// refuses a database whose number is greater than its own, which a later release made or
    /// upgraded and whose rows this one may misread (as damage), and takes one whose number is
    /// smaller only once `upgrade` has raised it. Raised by every change to what the database
    /// holds that an earlier release cannot read: 1 is the first, whose entries keep no tree
    /// hashes of levels 1 to 3 (`StoredLeaf.recomputedLevels`); 2 keeps records' entries without
    /// their seq and recording time (`wholeEntries`) and an absent diff or state as an empty
    /// value (`PostgresStore.insert`).
    public static let release = 2

    /// States `release` in the database (`regvault_schema_release()`).
    static let releaseFunction = """
    CREATE OR REPLACE FUNCTION regvault_schema_release() RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN \(release);

    """

    /// Refuses, before `upgrade` changes anything, a database a later release made or upgraded.
    static let laterReleaseRefused = """
    DO $$
    DECLARE
        stated integer;
    BEGIN
        IF to_regprocedure('public.regvault_schema_release()') IS NOT NULL THEN
            EXECUTE 'SELECT public.regvault_schema_release()' INTO stated;
            IF stated > \(release) THEN
                RAISE EXCEPTION 'a later release of RegVault (schema release %) made or upgraded this database; upgrade it with that release or a later one', stated;
            END IF;
        END IF;
    END $$;

    """

    /// Brings a database with an earlier version of the schema up to this one (as its owner, in one
    /// transaction, with the vault's nodes stopped: building the new indexes locks `records`;
    /// the index by stream takes about a second per million records on two cores, the indexes
    /// by digest of a database older than those about six). Safe to run again, silently.
    ///
    /// Entries stored before records carried them stay in `leaves`, where every read and rule
    /// still finds them, and `leaves` takes no more: the upgrade moves no row (the new columns are
    /// added empty, and the insert rule checks that new records fill them). It refuses a database
    /// whose `leaves` go past its last checkpoint (which only a writer that bypassed the vault
    /// leaves behind; `regvault check` reports it), as those entries could never be signed.
    public static let upgrade = laterReleaseRefused + """
    SET LOCAL client_min_messages = warning;
    ALTER TABLE sequencer ADD COLUMN IF NOT EXISTS url text;
    ALTER TABLE records ADD COLUMN IF NOT EXISTS entry bytea, ADD COLUMN IF NOT EXISTS hashes bytea;
    ALTER TABLE records DROP CONSTRAINT IF EXISTS records_leaf_whole;
    -- Checked on every update as well, so it refused the erasure of a record whose entry is in leaves.
    ALTER TABLE records DROP CONSTRAINT IF EXISTS records_carry_their_entries;
    DO $$
    DECLARE
        grantee text;
    BEGIN
        IF EXISTS (SELECT 1 FROM public.leaves WHERE seq >= COALESCE((SELECT max(size) FROM public.checkpoints), 0)) THEN
            RAISE EXCEPTION 'leaves holds entries past the last checkpoint, which no checkpoint signs: run regvault check first';
        END IF;
        FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
                       WHERE g.table_schema = 'public' AND g.table_name = 'leaves' AND g.privilege_type = 'INSERT'
                       AND g.grantee <> (SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class
                                         WHERE oid = 'public.leaves'::regclass) LOOP
            EXECUTE format('REVOKE INSERT ON public.leaves FROM %I', grantee);
        END LOOP;
    END $$;
    ALTER TABLE erasures DROP CONSTRAINT IF EXISTS erasures_erased_by_fkey;

    ALTER INDEX records_pkey SET (fillfactor = 100);

    """ + digests + wholeEntries + recordIndexes.replacingOccurrences(of: "CREATE INDEX ", with: "CREATE INDEX IF NOT EXISTS ")
        .replacingOccurrences(of: "CREATE UNIQUE INDEX ", with: "CREATE UNIQUE INDEX IF NOT EXISTS ") + """
    DROP INDEX IF EXISTS records_by_event_id, records_by_entity, records_by_player, records_by_stream;
    ALTER TABLE records DROP CONSTRAINT IF EXISTS records_seq_fkey;
    DROP TRIGGER IF EXISTS leaves_append_at_the_end ON leaves;
    DROP TRIGGER IF EXISTS records_have_their_leaves ON records;
    DROP TRIGGER IF EXISTS deliveries_enter_the_outbox ON records;
    DROP FUNCTION IF EXISTS regvault_leaf_appended_at_the_end(), regvault_delivery_enters_the_outbox();

    """ + objectsClearedOnlyWhenUnreferenced + statementRules + entriesInRecords + """
    DROP FUNCTION IF EXISTS regvault_leaves_appended_at_the_end(), regvault_records_have_leaves(),
        regvault_entries_follow_the_checkpoints(), regvault_erasure_allowed();

    """ + releaseFunction

    /// Whether a database's schema (as `PostgresStore` finds it) has what the last `upgrade` adds:
    /// the digests' functions and indexes, the rules checked per statement, records that carry
    /// their entries (checked per insert, no longer by a constraint), and the erasure rule of
    /// `entriesInRecords` (an erasure trigger calling another function is an earlier upgrade's, run
    /// since; a missing one is left for `protectionProblems` to name), and the function that gives
    /// records' entries back whole. The SQL of a boolean; `PostgresStore` also requires the
    /// database to state this release (`release`), which only an upgrade since can.
    static let isCurrent = """
        to_regprocedure('public.regvault_schema_release()') IS NOT NULL
        AND to_regprocedure('public.regvault_whole_entry(bytea,bigint,bigint)') IS NOT NULL
        AND to_regprocedure('public.regvault_key_digest(text)') IS NOT NULL
        AND to_regclass('public.records_by_entity_digest') IS NOT NULL
        AND to_regclass('public.records_by_stream_digest') IS NOT NULL
        AND to_regprocedure('public.regvault_entries_appended_at_the_end()') IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = 'records_carry_their_entries'
                        AND conrelid = to_regclass('public.records'))
        AND to_regprocedure('public.regvault_erased_by_a_later_erasure_entry()') IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgname = 'erasures_precede_erasure'
                        AND t.tgrelid = to_regclass('public.erasures')
                        AND t.tgfoid IS DISTINCT FROM to_regprocedure('public.regvault_erased_by_a_later_erasure_entry()'))
        """

    /// The digests the records' indexes are keyed by, in place of the strings they stand for: a
    /// b-tree entry holds its whole key, and a string key several times wider than its digest made
    /// the indexes by event id, entity and player the larger part of what a record costs (on the
    /// mid-size operator's year, 59, 73 and 56 bytes a record with the strings, 40, 41 and 45
    /// with the digests; BENCHMARKS.md). Every query that seeks by a digest also compares the string itself, so a
    /// digest shared by two strings costs a row read, never a wrong answer; for event ids, which
    /// are unique, 128 bits make a shared digest out of reach.
    ///
    /// Both hash the string's bytes (escaped for `decode`, which turns each `\\` back into one
    /// backslash, so no string is refused) with SHA-256: `regvault_key_digest` keeps the first 64
    /// bits as a `bigint`, `regvault_event_digest` the first 128 as a `uuid`. Their bodies are
    /// bound when created (SQL-standard bodies), so no `search_path` changes them; the planner
    /// inlines them, so a query's `regvault_key_digest(…)` matches the index's.
    static let digests = """
    CREATE OR REPLACE FUNCTION regvault_key_digest(text) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ('x' || substr(encode(sha256(decode(replace($1, '\\', '\\\\'), 'escape')), 'hex'), 1, 16))::bit(64)::bigint;
    CREATE OR REPLACE FUNCTION regvault_event_digest(text) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN substr(encode(sha256(decode(replace($1, '\\', '\\\\'), 'escape')), 'hex'), 1, 32)::uuid;

    """

    /// How a record's row keeps its log entry: without its seq and recording time, which are the
    /// row's own `seq` and `recorded_at` (16 of the entry's 60 + L bytes), the first byte then
    /// `0x81` (the entry's format version with the high bit set) to say so. An entry that is not
    /// well formed or whose fields differ from its row's (which only a damaged vault can hand
    /// `regvault migrate`) is kept whole, behind a first byte of `0x80` if its own would read as
    /// either mark; entries in `leaves`, and in records' rows of databases made before, are kept
    /// whole. `regvault_whole_entry(entry, seq, recorded_at)` gives back the whole entry in every
    /// case (`PostgresStore.rowEntry` is its inverse); every read of the log and every rule reads
    /// entries through it, and the rule that a record never changes compares the columns an
    /// entry is rebuilt from as it compares the entry.
    static let wholeEntries = """
    CREATE OR REPLACE FUNCTION regvault_whole_entry(bytea, bigint, bigint) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE substring($1 FROM 1 FOR 1)
           WHEN '\\x81'::bytea THEN '\\x01'::bytea || substring($1 FROM 2 FOR 1) || int8send($2) || int8send($3) || substring($1 FROM 3)
           WHEN '\\x80'::bytea THEN substring($1 FROM 2)
           ELSE $1 END;

    """

    /// The records' indexes keyed by digests (see `digests`), and the stored objects' keys, which
    /// S3 lists by prefix and so keep as strings, for that one entity type.
    ///
    /// The index by stream is keyed by the stream's digest and the recording time only, so that
    /// its entries are two `bigint`s. PostgreSQL splits a full b-tree page in half, except when the
    /// new entry goes after every entry on the page, has the same first key as the last of them
    /// and a greater second one, and entries are no wider than two `bigint`s: then it leaves the
    /// left page as full as its fillfactor (90 %). A stream's next record goes at the end of its
    /// own key range, so this index keeps its pages that full where records get recording times
    /// of their own; keyed by the name, the time and the seq, its entries were too wide for that,
    /// and its pages stayed half empty. Records of one commit share their recording time, and
    /// PostgreSQL's deduplication folds them into entries of a few hundred records each. On the
    /// mid-size operator's year: 73 bytes a record before; 32 when each record is its own commit,
    /// about 40 for commits of a few records, 8 for commits of 10,000 (BENCHMARKS.md).
    ///
    /// The cost is in reading: a stream is read in (recorded-at, seq) order, and the index orders
    /// only by time, so PostgreSQL sorts each recording time's records by seq, and a page that
    /// ends inside one commit's records reads the rest of them again for the next page (twice the
    /// database's time for pages of 10,000 through commits of 10,000; `allRecords` reads such
    /// pages). Commits share a recording time only when they fall in the same millisecond:
    /// batches recorded while the machine's clock is behind the log's are a millisecond apart
    /// (`LogWriter.sequenceNow`).
    static let recordIndexes = """
    CREATE UNIQUE INDEX records_by_event_digest ON records (regvault_event_digest(event_id));
    CREATE INDEX records_by_stream_digest ON records (regvault_key_digest(stream), recorded_at);
    CREATE INDEX records_by_entity_digest ON records (regvault_key_digest(entity_type || '/' || entity_id), seq);
    CREATE INDEX records_by_player_digest ON records (regvault_key_digest(player_id), seq) WHERE player_id IS NOT NULL;
    CREATE INDEX records_by_object_key ON records (entity_id, seq) WHERE entity_type = 's3.object';

    """

    /// Whether `name` can be used as the application role: lower-case letters, digits and `_`,
    /// starting with a letter, at most 63 bytes (PostgreSQL's limit), not a `pg_` name.
    public static func isValidRole(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.utf8.count <= 63,
              !name.hasPrefix("pg_") else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Every trigger the schema creates, by name.
    static var triggerNames: [String] {
        (protections + statementRules + lease + entriesInRecords).split(separator: "\n").compactMap { line -> String? in
            guard let prefix = ["CREATE TRIGGER ", "CREATE OR REPLACE TRIGGER "].first(where: line.hasPrefix) else { return nil }
            return line.dropFirst(prefix.count).split(separator: " ").first.map(String.init)
        }
    }

    /// The tables. A record's fixed-width columns come first, so that no padding aligns them
    /// after its strings (about 4 bytes a record), and the index on its seq, which only grows,
    /// fills its pages (fillfactor 100: new entries go on the last page only; `upgrade` sets it
    /// for the pages to come). Databases made before keep their column order, which every
    /// statement here is indifferent to, as each names its columns.
    static let tables = """
    CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL
    );
    CREATE TABLE leaves (
        seq bigint PRIMARY KEY CHECK (seq >= 0),
        entry bytea NOT NULL,
        hashes bytea NOT NULL
    );
    CREATE TABLE records (
        seq bigint PRIMARY KEY WITH (fillfactor = 100),
        occurred_at bigint NOT NULL,
        recorded_at bigint NOT NULL,
        version bigint NOT NULL,
        event_id text COLLATE "C" NOT NULL,
        stream text COLLATE "C" NOT NULL,
        entity_type text COLLATE "C" NOT NULL,
        entity_id text COLLATE "C" NOT NULL,
        player_id text COLLATE "C",
        body bytea,
        salt bytea,
        diff bytea,
        state_after bytea,
        entry bytea,
        hashes bytea
    );
    CREATE TABLE checkpoints (
        size bigint PRIMARY KEY,
        root bytea NOT NULL,
        note text NOT NULL,
        created_at bigint NOT NULL
    );
    CREATE TABLE erasures (
        seq bigint PRIMARY KEY REFERENCES records (seq),
        erased_by bigint NOT NULL
    );
    CREATE TABLE outbox (
        delivery_id text PRIMARY KEY,
        due_at bigint NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until bigint
    );
    CREATE INDEX outbox_by_due ON outbox (due_at);
    CREATE TABLE dictionaries (
        number bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id bigint NOT NULL UNIQUE,
        stream text COLLATE "C" NOT NULL,
        bytes bytea NOT NULL
    );
    CREATE TABLE objects (
        version_id text COLLATE "C" PRIMARY KEY,
        bytes bytea
    );

    """

    /// The rules `SQLiteSchema` states, in PL/pgSQL. Entry fields by byte offset (1-based, as
    /// `substring` counts): kind at 2, recorded-at at 11 (8 bytes), retention mode at 19,
    /// retain-until at 20 (8 bytes); big-endian, so comparing the 8-byte strings compares the times.
    static let protections = """
    CREATE FUNCTION regvault_refuse() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER leaves_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('log leaves are append-only');
    CREATE TRIGGER checkpoints_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('checkpoints are append-only');
    CREATE TRIGGER erasures_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('erasures are append-only');
    CREATE TRIGGER records_are_never_deleted BEFORE DELETE OR TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('records are never deleted');
    CREATE TRIGGER dictionaries_are_never_changed BEFORE UPDATE OR DELETE OR TRUNCATE ON dictionaries
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('compression dictionaries are never changed or deleted');

    CREATE TRIGGER objects_are_never_deleted BEFORE DELETE OR TRUNCATE ON objects
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('stored objects are never deleted, only cleared when erased');
    CREATE TRIGGER objects_cleared_only_when_unreferenced BEFORE UPDATE ON objects
    FOR EACH ROW EXECUTE FUNCTION regvault_object_cleared_only_when_unreferenced();

    """

    /// The rules checked once per insert statement, over the rows it added (a transition table),
    /// rather than once per row: a commit inserts each batch's records (each carrying its log
    /// entry) with one statement, and a check per row (a PL/pgSQL call, or a foreign key's query)
    /// cost more than the rows themselves. A statement's records are one run of seqs that starts
    /// right after the last entry stored before it (in `records` or, for a database made before
    /// records carried their entries, in `leaves`), with none after it: so an entry is never
    /// added inside the log or past its end, and the primary key on `records`, the one table that
    /// takes entries, keeps two writers from storing the same seq, whatever their isolation level.
    /// Every record inserted carries its entry and tree hashes (a check per statement, not a
    /// constraint: a constraint is checked on every update too, and would refuse erasing a record
    /// whose entry a database made before keeps in `leaves`). `leaves` takes no entry at all. A
    /// delivery's first version enters the outbox.
    static let statementRules = """
    CREATE OR REPLACE FUNCTION regvault_entries_appended_at_the_end() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        first bigint;
        last bigint;
        added_count bigint;
    BEGIN
        SELECT min(seq), max(seq), count(*) INTO first, last, added_count FROM added;
        IF EXISTS (SELECT 1 FROM added WHERE entry IS NULL OR hashes IS NULL) THEN
            RAISE EXCEPTION 'a record is stored with its log entry and tree hashes' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF added_count > 0 AND (last - first + 1 <> added_count
                                OR EXISTS (SELECT 1 FROM public.records WHERE seq > last)
                                OR EXISTS (SELECT 1 FROM public.leaves WHERE seq >= first)
                                OR COALESCE(GREATEST((SELECT max(seq) FROM public.records WHERE seq < first),
                                                     (SELECT max(seq) FROM public.leaves)), -1) <> first - 1) THEN
            RAISE EXCEPTION 'log entries are appended at the end only' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$;
    CREATE OR REPLACE TRIGGER records_append_at_the_end AFTER INSERT ON records REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_entries_appended_at_the_end();
    CREATE OR REPLACE TRIGGER leaves_are_closed BEFORE INSERT ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('log entries are stored in their records; leaves keeps only those stored before');

    CREATE OR REPLACE FUNCTION regvault_deliveries_enter_the_outbox() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        INSERT INTO public.outbox (delivery_id, due_at)
        SELECT entity_id, recorded_at FROM added WHERE stream = 'vault.delivery' AND entity_type = 'delivery' AND version = 1;
        RETURN NULL;
    END $$;
    CREATE OR REPLACE TRIGGER deliveries_enter_the_outbox AFTER INSERT ON records REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_deliveries_enter_the_outbox();

    """

    /// The rules that read a log entry wherever it is stored: in its record's row (`entry` and
    /// `hashes`; every entry has a record), or in `leaves` (where databases made before entries
    /// moved into records keep their earlier ones). A checkpoint is stored only over exactly one
    /// entry at each seq from the previous checkpoint's size to its own: with the rule that
    /// entries are appended at the end (`statementRules`), every signed tree is complete. A record
    /// is erased only by an erasure entry later in the log than the record and in the commit
    /// being made (past the latest checkpoint: the vault stores an erasure with its erasure entry,
    /// before the batch's checkpoint, so an erasure entry already signed is never used again),
    /// found wherever it is stored (which is why `erasures.erased_by` has no foreign key) and
    /// recorded after a compliance record's retain-until; a record's entry and everything but the
    /// four erasable columns never change.
    /// Records are inserted only by the lease's holder.
    static let entriesInRecords = """
    CREATE OR REPLACE FUNCTION regvault_checkpoint_grows() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        previous bigint := (SELECT max(size) FROM public.checkpoints);
        stored bigint;
        distinct_seqs bigint;
    BEGIN
        IF NEW.size <= COALESCE(previous, -1) THEN
            RAISE EXCEPTION 'checkpoints are appended with growing sizes only' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        SELECT count(*), count(DISTINCT seq) INTO stored, distinct_seqs FROM (
            SELECT seq FROM public.leaves WHERE seq >= COALESCE(previous, 0) AND seq < NEW.size
            UNION ALL
            SELECT seq FROM public.records WHERE entry IS NOT NULL AND seq >= COALESCE(previous, 0) AND seq < NEW.size) AS entries;
        IF stored <> NEW.size - COALESCE(previous, 0) OR distinct_seqs <> stored THEN
            RAISE EXCEPTION 'a checkpoint of size % covers % stored entries at % seqs since size %, not one at each seq',
                NEW.size, stored, distinct_seqs, COALESCE(previous, 0) USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    CREATE OR REPLACE TRIGGER checkpoints_grow BEFORE INSERT ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION regvault_checkpoint_grows();

    CREATE OR REPLACE FUNCTION regvault_erased_by_a_later_erasure_entry() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        erased bytea := COALESCE((SELECT public.regvault_whole_entry(entry, seq, recorded_at) FROM public.records WHERE seq = NEW.seq),
                                 (SELECT entry FROM public.leaves WHERE seq = NEW.seq));
        erasing bytea := COALESCE((SELECT public.regvault_whole_entry(entry, seq, recorded_at) FROM public.records WHERE seq = NEW.erased_by),
                                  (SELECT entry FROM public.leaves WHERE seq = NEW.erased_by));
    BEGIN
        IF (SELECT salt FROM public.records WHERE seq = NEW.seq) IS NULL
           OR NEW.erased_by <= NEW.seq OR NEW.erased_by < COALESCE((SELECT max(size) FROM public.checkpoints), 0)
           OR erasing IS NULL OR substring(erasing FROM 2 FOR 1) <> '\\x04'::bytea
           OR (substring(erased FROM 19 FOR 1) = '\\x02'::bytea
               AND (substring(erased FROM 20 FOR 8) > substring(erasing FROM 11 FOR 8)
                    OR ('x' || encode(substring(erased FROM 20 FOR 8), 'hex'))::bit(64)::bigint
                       > (extract(epoch FROM now()) * 1000)::bigint)) THEN
            RAISE EXCEPTION 'a record is erased only in the commit of an erasure entry after it, and a compliance record not before its retain-until'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    CREATE OR REPLACE TRIGGER erasures_precede_erasure BEFORE INSERT ON erasures
    FOR EACH ROW EXECUTE FUNCTION regvault_erased_by_a_later_erasure_entry();

    CREATE OR REPLACE FUNCTION regvault_record_changed_only_by_erasure() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF NOT (NEW.body IS NULL AND NEW.salt IS NULL AND NEW.diff IS NULL AND NEW.state_after IS NULL
                AND (NEW.seq, NEW.event_id, NEW.stream, NEW.entity_type, NEW.entity_id, NEW.occurred_at,
                     NEW.recorded_at, NEW.version) = (OLD.seq, OLD.event_id, OLD.stream, OLD.entity_type,
                     OLD.entity_id, OLD.occurred_at, OLD.recorded_at, OLD.version)
                AND NEW.player_id IS NOT DISTINCT FROM OLD.player_id
                AND NEW.entry IS NOT DISTINCT FROM OLD.entry AND NEW.hashes IS NOT DISTINCT FROM OLD.hashes
                AND EXISTS (SELECT 1 FROM public.erasures WHERE seq = OLD.seq)) THEN
            RAISE EXCEPTION 'records can only be erased by an erasure entry, never changed'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    CREATE OR REPLACE TRIGGER records_change_only_by_erasure BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION regvault_record_changed_only_by_erasure();

    CREATE OR REPLACE TRIGGER records_are_fenced BEFORE INSERT ON records
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_writer_is_fenced();

    """

    /// The sequencer lease and the fence every insert into the log's tables passes (records' in
    /// `entriesInRecords`, created after it).
    static let lease = """
    CREATE TABLE sequencer (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        token bigint NOT NULL,
        holder text,
        expires_at timestamptz,
        url text
    );
    INSERT INTO sequencer (token) VALUES (0);
    CREATE TRIGGER sequencer_is_never_deleted BEFORE DELETE OR TRUNCATE ON sequencer
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_refuse('the sequencer lease is never deleted');

    CREATE FUNCTION regvault_token_only_grows() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF NEW.token < OLD.token THEN
            RAISE EXCEPTION 'the sequencer token only grows' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER sequencer_token_only_grows BEFORE UPDATE ON sequencer
    FOR EACH ROW EXECUTE FUNCTION regvault_token_only_grows();

    CREATE FUNCTION regvault_writer_is_fenced() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        held text := current_setting('regvault.fence', true);
        current bigint;
    BEGIN
        SELECT token INTO current FROM public.sequencer FOR SHARE;
        IF held IS NULL OR held = '' OR held <> current::text THEN
            RAISE EXCEPTION 'this node does not hold the sequencer lease (its token %, the lease''s %): it may not write to the log',
                COALESCE(NULLIF(held, ''), 'none'), current USING ERRCODE = 'lock_not_available';
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER leaves_are_fenced BEFORE INSERT ON leaves
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_writer_is_fenced();
    CREATE TRIGGER checkpoints_are_fenced BEFORE INSERT ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_writer_is_fenced();
    CREATE TRIGGER erasures_are_fenced BEFORE INSERT ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_writer_is_fenced();
    CREATE TRIGGER dictionaries_are_fenced BEFORE INSERT ON dictionaries
    FOR EACH STATEMENT EXECUTE FUNCTION regvault_writer_is_fenced();

    """

    /// The rule that clears a stored object's bytes only once its record is erased (its trigger is
    /// in `protections`, created after it; `upgrade` replaces it).
    static let objectsClearedOnlyWhenUnreferenced = """
    CREATE OR REPLACE FUNCTION regvault_object_cleared_only_when_unreferenced() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF NEW.bytes IS NOT NULL OR NEW.version_id <> OLD.version_id
           OR EXISTS (SELECT 1 FROM public.records WHERE public.regvault_event_digest(event_id) = public.regvault_event_digest('object:' || OLD.version_id)
                   AND event_id = 'object:' || OLD.version_id AND salt IS NOT NULL) THEN
            RAISE EXCEPTION 'an object''s bytes are only cleared, and only once its record is erased (or was never stored)'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$;

    """

    static let grants = """
    REVOKE ALL ON meta, leaves, records, checkpoints, erasures, outbox, dictionaries, objects, sequencer FROM PUBLIC;
    GRANT SELECT ON leaves TO {app};
    GRANT SELECT, INSERT ON records, checkpoints, erasures, dictionaries TO {app};
    GRANT UPDATE (body, salt, diff, state_after) ON records TO {app};
    GRANT SELECT, INSERT, UPDATE ON meta TO {app};
    GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO {app};
    GRANT SELECT, UPDATE ON sequencer TO {app};
    GRANT SELECT, INSERT ON objects TO {app};
    GRANT UPDATE (bytes) ON objects TO {app};

    """
}
