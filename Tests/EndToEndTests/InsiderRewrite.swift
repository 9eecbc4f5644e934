import Foundation
import VaultArchive
import VaultFormat

/// A full export rewritten by an insider who holds the log's signing key: what an erasure entry's
/// record lists is changed, or records are dropped, and then every changed record is committed
/// again in its entry, the tree's root recomputed, and the checkpoint and manifest signed anew. Every
/// signature, digest, commitment and root of the result holds, so only the verifier's erasure
/// accounting can tell the archive is forged. From the same rewrite it also forges partial exports
/// (`sealedPartial`), holding the entries the forger chooses.
struct InsiderRewrite {
    private let vault: ExportFixture
    private let members: [ArchiveMember]
    /// Every entry of the export, in seq order.
    private var entries: [[UInt8]] = []
    /// Every record line of the export, by seq.
    private var records: [Int64: (salt: [UInt8], record: [UInt8])] = [:]

    /// Reads the full export `members` of `vault`, whose signing key the rewrite uses.
    init(_ members: [ArchiveMember], of vault: ExportFixture) throws {
        self.vault = vault
        self.members = members
        for member in members where ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.entriesPrefix) != nil {
            entries += try ArchiveLayout.decodeEntries(member.bytes)
        }
        for member in members where ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) != nil {
            for line in String(decoding: member.bytes, as: UTF8.self).split(separator: "\n") {
                let parsed = try ArchiveLayout.parseRecordLine(line)
                records[parsed.seq] = (parsed.salt, parsed.record)
            }
        }
    }

    /// Rewrites the `erased` list of the erasure entry `seq`'s record (one JSON object per record).
    mutating func editErasure(_ seq: Int64, _ edit: (inout [[String: Any]]) -> Void) throws {
        _ = try erasureRecord(seq)
        try editRecord(seq) { body in
            var listed = body["erased"] as! [[String: Any]]
            edit(&listed)
            body["erased"] = listed
        }
    }

    /// What the erasure entry `seq`'s record lists for record `target`.
    func listing(of target: Int64, in seq: Int64) throws -> [String: Any] {
        let listed = try erasureRecord(seq)["erased"] as! [[String: Any]]
        guard let item = listed.first(where: { Self.lists($0, target) }) else {
            throw ExportFixture.Failure("erasure record \(seq) does not list record \(target)")
        }
        return item
    }

    /// Moves what the erasure entry `from`'s record lists for record `target` to the erasure entry
    /// `to`'s list, as if `to` had erased it.
    mutating func moveListing(of target: Int64, from: Int64, to: Int64) throws {
        let item = try listing(of: target, in: from)
        try editErasure(from) { $0.removeAll { Self.lists($0, target) } }
        try editErasure(to) { $0.append(item) }
    }

    /// Whether an erasure's listed `item` is record `seq`'s.
    static func lists(_ item: [String: Any], _ seq: Int64) -> Bool {
        (item["seq"] as? NSNumber)?.int64Value == seq
    }

    private func erasureRecord(_ seq: Int64) throws -> [String: Any] {
        guard let line = records[seq], let body = try JSONSerialization.jsonObject(with: Data(line.record)) as? [String: Any],
              body["erased"] is [[String: Any]] else {
            throw ExportFixture.Failure("record \(seq) is not an erasure record in the export")
        }
        return body
    }

    /// Rewrites record `seq` (a JSON object), whatever it records.
    mutating func editRecord(_ seq: Int64, _ edit: (inout [String: Any]) -> Void) throws {
        guard let line = records[seq], var body = try JSONSerialization.jsonObject(with: Data(line.record)) as? [String: Any] else {
            throw ExportFixture.Failure("record \(seq) is not a JSON object in the export")
        }
        edit(&body)
        records[seq]!.record = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
    }

    /// The seq of the record that placed legal hold `id`.
    func placement(ofHold id: String) throws -> Int64 {
        for (seq, line) in records {
            guard let body = try? JSONSerialization.jsonObject(with: Data(line.record)) as? [String: Any],
                  body["stream"] as? String == "vault.hold", body["action"] as? String != "lift",
                  (body["state"] as? [String: Any])?["holdId"] as? String == id else { continue }
            return seq
        }
        throw ExportFixture.Failure("the export holds no placement of legal hold \(id)")
    }

    /// Takes record `seq` out of the archive, as if it had been erased; its entry stays.
    mutating func drop(_ seq: Int64) {
        records[seq] = nil
    }

    /// The forged archive's members: entries committing to the records as they now are, the
    /// checkpoint over their new root, and the manifest, both signed with the log's key.
    func sealed() throws -> [ArchiveMember] {
        let entries = try rewrittenEntries()
        let tree = try Self.tree(entries)
        let rewritten = try members.dropLast().map { member -> ArchiveMember in
            let bytes: [UInt8]
            if let first = ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.entriesPrefix) {
                bytes = ArchiveLayout.encodeEntries(Array(entries[chunk(first, count: entries.count)]))
            } else if let first = ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) {
                bytes = recordLines(in: chunk(first, count: entries.count))
            } else if member.path == ArchiveLayout.checkpoint {
                bytes = try checkpoint(member, rootHash: tree.root)
            } else {
                return member
            }
            return ArchiveMember(path: member.path, bytes: bytes, modificationTime: 0)
        }
        return try vault.resigned(rewritten + [members.last!], rootHash: tree.root)
    }

    /// A forged partial export: the members of the honest partial export `partial` of the same
    /// vault, with the entries of `seqs` (as rewritten) in its `inclusion` member, each with its
    /// inclusion proof in the rewritten tree, their records that remain, and the checkpoint and
    /// manifest signed anew. Which entries it holds is the forger's choice, as it is the exporter's.
    func sealedPartial(from partial: [ArchiveMember], holding seqs: [Int64]) throws -> [ArchiveMember] {
        let entries = try rewrittenEntries()
        let tree = try Self.tree(entries)
        let size = Int64(entries.count)
        var forged: [ArchiveMember] = []
        for member in partial.dropLast() where ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) == nil {
            if member.path == ArchiveLayout.inclusion {
                let lines = try seqs.sorted().map { seq in
                    ArchiveLayout.inclusionLine(seq: seq, entry: entries[Int(seq)],
                                                proof: try MerkleTree.proveInclusion(index: seq, size: size, reader: tree.reader))
                }
                forged.append(ArchiveMember(path: member.path, bytes: Array(lines.joined().utf8), modificationTime: 0))
                let held = Set(seqs)
                for first in Set(seqs.map { $0 / ArchiveLayout.chunk * ArchiveLayout.chunk }).sorted() {
                    let bytes = recordLines(in: chunk(first, count: entries.count)) { held.contains($0) }
                    guard !bytes.isEmpty else { continue }
                    forged.append(ArchiveMember(path: ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: first), bytes: bytes,
                                                modificationTime: 0))
                }
            } else if member.path == ArchiveLayout.checkpoint {
                forged.append(ArchiveMember(path: member.path, bytes: try checkpoint(member, rootHash: tree.root), modificationTime: 0))
            } else {
                forged.append(member)
            }
        }
        return try vault.resigned(forged + [partial.last!], rootHash: tree.root)
    }

    /// Every entry, each committing to its record as it now is.
    private func rewrittenEntries() throws -> [[UInt8]] {
        var entries = self.entries
        for (seq, line) in records {
            var entry = try Entry(parsing: entries[Int(seq)])
            entry.commitment = Entry.commitment(salt: line.salt, record: line.record)
            entries[Int(seq)] = entry.bytes
        }
        return entries
    }

    /// The tree of `entries`: its root, and its hashes to prove inclusion from.
    private static func tree(_ entries: [[UInt8]]) throws -> (root: Hash, reader: ArrayHashReader) {
        var reader = ArrayHashReader()
        for entry in entries { try reader.append(leafHash: MerkleHashing.leafHash(entry)) }
        return (try MerkleTree.rootHash(size: Int64(entries.count), reader: reader), reader)
    }

    /// The record lines of the seqs in `range` that remain (and that `including` takes), in seq order.
    private func recordLines(in range: Range<Int>, including: (Int64) -> Bool = { _ in true }) -> [UInt8] {
        let lines = records.keys.sorted().filter { range.contains(Int($0)) && including($0) }.map { seq in
            ArchiveLayout.recordLine(seq: seq, salt: records[seq]!.salt, record: records[seq]!.record)
        }
        return Array(lines.joined().utf8)
    }

    /// The checkpoint `member` signed anew over `rootHash`.
    private func checkpoint(_ member: ArchiveMember, rootHash: Hash) throws -> [UInt8] {
        let signer = try NoteSigner(privateKeyText: String(contentsOfFile: vault.data + "/log.key", encoding: .utf8))
        let old = try Checkpoint(parsing: try SignedNote(parsing: member.bytes).text)
        let checkpoint = Checkpoint(origin: old.origin, size: old.size, rootHash: rootHash, extensions: old.extensions)
        return Array(try SignedCheckpoint(signing: checkpoint, with: signer).serialized.utf8)
    }

    /// The seqs a chunk member starting at `first` holds, of `count` in all.
    private func chunk(_ first: Int64, count: Int) -> Range<Int> {
        Int(first)..<min(count, Int(first + ArchiveLayout.chunk))
    }
}
