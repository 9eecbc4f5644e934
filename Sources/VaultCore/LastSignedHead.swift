#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VaultFormat
import VaultStore

/// The newest checkpoint this data directory's writer committed, kept beside the keys in
/// `DIR/last-signed-head` (the signed note), so that a writer never extends a log that is shorter
/// than, or different from, what it signed before: a database restored to an earlier point in
/// time, or replaced by another one, would otherwise be extended into a second tree at sizes whose
/// checkpoints have already left the vault (a fork anyone holding both can prove).
///
/// The file is rewritten (a temporary file renamed over it, not synced) after each committed
/// group; the database's commit is what is durable, and a crash can at worst leave the file one
/// group behind or empty, which only weakens the check to what it held before. A standby follows
/// the newest checkpoint another node committed (`follow`, every second while it waits), so that a
/// node that takes over knows what was signed before it, at most a second behind; a node that was
/// down knows only what it recorded before.
struct LastSignedHead: Sendable {
    let path: String

    init(directory: VaultDirectory) {
        path = directory.path + "/last-signed-head"
    }

    /// Records the checkpoint of a committed batch.
    func record(_ note: String) {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(note.utf8), attributes: [.posixPermissions: 0o644]) else { return }
        _ = rename(temporary, path)
    }

    /// Records the store's newest checkpoint when it is signed with `verifierKey`, is larger than
    /// the recorded one, and the store still holds the recorded one (`check`); returns whether it
    /// recorded it.
    /// - Throws: what `check` throws (the store no longer holds what was recorded, which is left as
    ///   it is), or the newest checkpoint's signature does not verify.
    func follow(_ store: any VaultStorage, verifierKey: NoteVerifierKey) throws -> Bool {
        let recorded = try check(store)
        guard let note = try store.latestCheckpoint() else { return false }
        let newest = try SignedCheckpoint(verifying: Array(note.utf8), verifierKeys: [verifierKey]).checkpoint
        guard newest.size > recorded?.size ?? 0 else { return false }
        record(note)
        return true
    }

    /// Refuses a store whose log is shorter than the recorded checkpoint, or does not hold that
    /// very checkpoint at its size; returns the recorded checkpoint (nil when none is).
    @discardableResult
    func check(_ store: any VaultStorage) throws -> Checkpoint? {
        guard let bytes = FileManager.default.contents(atPath: path), !bytes.isEmpty else { return nil }
        let note = String(decoding: bytes, as: UTF8.self)
        guard let head = try? Checkpoint(parsing: String(note.split(separator: "\n\n", maxSplits: 1).first ?? "") + "\n") else {
            throw VaultError(.integrity, "\(path) does not hold a checkpoint; if this machine crashed while writing it, "
                + "delete it (the check it makes starts again from the next commit)")
        }
        let size = try store.treeSize()
        let accepted = "Only if that loss is accepted (and reported), delete \(path) to sequence anyway: the log will then "
            + "sign a different tree at sizes whose checkpoints were already published"
        guard size >= Int64(head.size) else {
            throw VaultError(.integrity, "the log holds \(size) entries, but this node signed a checkpoint of size \(head.size) "
                + "(\(path)): the database was restored to an earlier point or replaced, and entries others may hold proofs of "
                + "are missing. Recover them (a later backup, the WAL archive). " + accepted)
        }
        guard try store.checkpoint(size: Int64(head.size)) == note else {
            throw VaultError(.integrity, "the log does not hold the checkpoint of size \(head.size) this node signed (\(path)): "
                + "the database holds another log, or one rewritten since. " + accepted)
        }
        return head
    }
}
