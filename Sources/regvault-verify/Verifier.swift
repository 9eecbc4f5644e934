import Foundation
import VaultArchive
import VaultFormat

/// The checks of docs/ARCHIVE.md, in order, over one scanned archive. Every check runs and every
/// problem is reported, so an auditor learns all that is wrong, not only the first thing.
struct Verifier {
    let key: NoteVerifierKey
    let trustedCheckpoint: [UInt8]?
    let log: (String) -> Void

    struct Result {
        var problems: Problems
        var manifest: ExportManifest?
        var entries = 0
        var records = 0
        var erased = 0
        /// When the trusted checkpoint and the archive's disagree: both notes and the proof.
        var fork: (trusted: String, archive: String, proof: [Hash])?
    }

    func verify(_ scan: ArchiveScan) -> Result {
        var result = Result(problems: scan.problems)
        result.entries = scan.entries.count
        result.records = scan.records.count
        guard let manifest = checkManifest(scan, &result.problems) else { return result }
        result.manifest = manifest
        guard let checkpoint = checkCheckpoint(scan, manifest, &result.problems) else { return result }
        checkEntries(scan, manifest, checkpoint, &result.problems)
        checkRecords(scan, &result.problems)
        result.erased = ErasureAccounting(scan: scan, log: log).check(&result.problems)
        if let trustedCheckpoint {
            result.fork = checkTrusted(trustedCheckpoint, scan, checkpoint, &result.problems)
        }
        return result
    }

    /// The manifest's signature, and that the archive holds exactly its members, in its order, each
    /// with its size and digest.
    private func checkManifest(_ scan: ArchiveScan, _ problems: inout Problems) -> ExportManifest? {
        guard let bytes = scan.manifest else {
            problems.add(ArchiveLayout.manifest, "is missing: nothing in the archive can be trusted")
            return nil
        }
        let manifest: ExportManifest
        do {
            manifest = try ExportManifest(verifying: bytes, key: key)
        } catch {
            problems.add(ArchiveLayout.manifest, "does not verify with the given key: \(error)")
            return nil
        }
        log("manifest: signed by \(key.name), \(manifest.members.count) members, scope \(manifest.scope.rawValue)")
        let present = scan.members.filter { $0.path != ArchiveLayout.manifest }
        let listed = Dictionary(manifest.members.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let presentPaths = Set(present.map(\.path))
        for member in present {
            guard let expected = listed[member.path] else {
                problems.add(member.path, "is in the archive but not in the signed manifest")
                continue
            }
            if expected.size != member.size {
                problems.add(member.path, "is \(member.size) bytes; the manifest says \(expected.size)")
            } else if expected.digest != member.digest {
                problems.add(member.path, "its SHA-256 differs from the manifest's: the member was altered")
            }
        }
        for member in manifest.members where !presentPaths.contains(member.path) {
            problems.add(member.path, "is listed in the manifest but missing from the archive")
        }
        if scan.members.last?.path != ArchiveLayout.manifest {
            problems.add(ArchiveLayout.manifest, "is not the last member")
        }
        let order = present.map(\.path).filter { listed[$0] != nil }
        let expectedOrder = manifest.members.map(\.path).filter(presentPaths.contains)
        if let moved = zip(order, expectedOrder).first(where: { $0 != $1 }) {
            problems.add(moved.0, "is out of the manifest's order (\(moved.1) belongs here): the archive was rearranged")
        }
        return manifest
    }

    /// The checkpoint member: signed by the key, the same tree as the manifest, the key listed for it.
    private func checkCheckpoint(_ scan: ArchiveScan, _ manifest: ExportManifest, _ problems: inout Problems) -> Checkpoint? {
        guard let bytes = scan.checkpoint else {
            problems.add(ArchiveLayout.checkpoint, "is missing")
            return nil
        }
        let signed: SignedCheckpoint
        do {
            signed = try SignedCheckpoint(verifying: bytes, verifierKeys: [key])
        } catch {
            problems.add(ArchiveLayout.checkpoint, "does not verify with the given key: \(error)")
            return nil
        }
        let checkpoint = signed.checkpoint
        guard checkpoint.origin == manifest.origin, checkpoint.size == manifest.treeSize, checkpoint.rootHash == manifest.rootHash else {
            problems.add(ArchiveLayout.checkpoint, "is not the tree head the manifest names")
            return nil
        }
        log("checkpoint: \(checkpoint.origin), size \(checkpoint.size), signature valid")
        do {
            let keys = try ArchiveLayout.parseKeys(scan.keys ?? "")
            let covering = keys.contains { $0.key == key && $0.first <= Int64(checkpoint.size) && ($0.last ?? Int64.max) >= Int64(checkpoint.size) }
            if !covering { problems.add(ArchiveLayout.keys, "does not list the verifier key for tree size \(checkpoint.size)") }
        } catch {
            problems.add(ArchiveLayout.keys, "\(error)")
        }
        return checkpoint
    }

    /// Full: every entry from 0 to the size, whose root is the checkpoint's. Partial: each entry's proof.
    private func checkEntries(_ scan: ArchiveScan, _ manifest: ExportManifest, _ checkpoint: Checkpoint, _ problems: inout Problems) {
        let size = Int64(checkpoint.size)
        switch manifest.scope {
        case .full:
            if scan.sawInclusion { problems.add(ArchiveLayout.inclusion, "a full export has no inclusion member") }
            var leaves: [Hash] = []
            leaves.reserveCapacity(Int(size))
            for seq in 0..<size {
                guard let entry = scan.entries[seq] else {
                    problems.add(ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: seq / ArchiveLayout.chunk * ArchiveLayout.chunk),
                                 "entry \(seq) is missing")
                    return
                }
                leaves.append(entry.leafHash)
            }
            if let extra = scan.entries.seqs.last, extra >= size {
                problems.add(scan.entries[extra]!.member, "entry \(extra) is beyond the checkpoint's size \(size)")
            }
            if ParallelWork.treeRoot(leaves) != checkpoint.rootHash {
                problems.add(ArchiveLayout.entriesPrefix, "the RFC 9162 root of the archive's entries is not the signed root: "
                    + "an entry was altered, added or removed")
            } else {
                log("entries: all \(size) present; their RFC 9162 root is the signed root")
            }
        case .partial:
            if !scan.entryChunks.isEmpty { problems.add(ArchiveLayout.entriesPrefix, "a partial export has no entries members") }
            var verified = 0
            for seq in scan.entries.seqs {
                let entry = scan.entries[seq]!
                do {
                    try ProofCheck.checkInclusion(leafHash: entry.leafHash, index: seq, size: size,
                                                  proof: scan.inclusionProofs[seq] ?? [], root: checkpoint.rootHash)
                    verified += 1
                } catch {
                    problems.add(entry.member, "entry \(seq): its inclusion proof does not lead to the signed root: \(error)")
                }
            }
            log("entries: \(verified) of \(scan.entries.count) proved included in the signed tree")
        }
    }

    /// Each record belongs to an entry in the archive and matches its commitment.
    private func checkRecords(_ scan: ArchiveScan, _ problems: inout Problems) {
        var matched = 0
        scan.records.forEach { seq, record in
            guard let entry = scan.entries[seq] else {
                problems.add(record.member, "record \(seq) has no entry in the archive")
                return
            }
            if record.commitment != entry.entry.commitment {
                problems.add(record.member, "record \(seq) does not match its entry's commitment: the record or its salt was altered")
            } else {
                matched += 1
            }
        }
        log("records: \(matched) of \(scan.records.count) match their entries' commitments")
    }

    /// Consistency between the trusted checkpoint and the archive's; returns fork evidence if they differ.
    private func checkTrusted(_ bytes: [UInt8], _ scan: ArchiveScan, _ checkpoint: Checkpoint, _ problems: inout Problems)
        -> (trusted: String, archive: String, proof: [Hash])? {
        let trusted: SignedCheckpoint
        do {
            trusted = try SignedCheckpoint(verifying: bytes, verifierKeys: [key])
        } catch {
            problems.add("trusted checkpoint", "does not verify with the given key: \(error)")
            return nil
        }
        let old = Int64(trusted.checkpoint.size), new = Int64(checkpoint.size)
        guard old <= new else {
            problems.add("trusted checkpoint", "is newer (size \(old)) than the archive's (size \(new)); export the log again")
            return nil
        }
        let archiveNote = String(decoding: scan.checkpoint ?? [], as: UTF8.self)
        if !scan.sawInclusion {
            // A full export: recompute the tree at the trusted size from the entries themselves.
            var range = CompactRange()
            for seq in 0..<old {
                guard let entry = scan.entries[seq] else { return nil }
                _ = range.append(leafHash: entry.leafHash)
            }
            guard range.rootHash == trusted.checkpoint.rootHash else {
                var tree = ArrayHashReader()
                for seq in 0..<new { if let leaf = scan.entries[seq]?.leafHash { try? tree.append(leafHash: leaf) } }
                let proof = (try? MerkleTree.proveConsistency(oldSize: old, newSize: new, reader: tree)) ?? []
                problems.add("trusted checkpoint", "the log has forked: the archive's entries give a different root at size \(old)")
                return (String(decoding: bytes, as: UTF8.self), archiveNote, proof)
            }
            log("trusted checkpoint: size \(old) is a prefix of the archive's tree")
            return nil
        }
        guard let text = scan.consistency, let parsed = try? ArchiveLayout.parseConsistency(text), parsed.from == old,
              parsed.to == new else {
            problems.add("trusted checkpoint", "the archive carries no consistency proof from size \(old); export it with --prove-from \(old)")
            return nil
        }
        do {
            try ProofCheck.checkConsistency(oldSize: old, newSize: new, oldRoot: trusted.checkpoint.rootHash,
                                            newRoot: checkpoint.rootHash, proof: parsed.proof)
            log("trusted checkpoint: consistent with the archive's (proof from \(old) to \(new))")
            return nil
        } catch {
            problems.add(ArchiveLayout.consistency, "the log has forked: the consistency proof from the trusted checkpoint fails")
            return (String(decoding: bytes, as: UTF8.self), archiveNote, parsed.proof)
        }
    }
}
