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
/// group behind or empty, which only weakens the check to what it held before. It knows only what
/// this directory's writer signed: another node that sequenced later keeps its own.
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

    /// Refuses a store whose log is shorter than the recorded checkpoint, or does not hold that
    /// very checkpoint at its size.
    func check(_ store: any VaultStorage) throws {
        guard let bytes = FileManager.default.contents(atPath: path), !bytes.isEmpty else { return }
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
    }
}
