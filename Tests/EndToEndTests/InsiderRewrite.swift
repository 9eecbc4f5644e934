import Foundation
import VaultArchive
import VaultFormat

/// A full export rewritten by an insider who holds the log's signing key: what an erasure entry's
/// record lists is changed, or records are dropped, and then every changed record is committed
/// again in its entry, the tree's root recomputed, and the checkpoint and manifest signed anew. Every
/// signature, digest, commitment and root of the result holds, so only the verifier's erasure
/// accounting can tell the archive is forged.
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
        var body = try erasureRecord(seq)
        var listed = body["erased"] as! [[String: Any]]
        edit(&listed)
        body["erased"] = listed
        records[seq]!.record = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
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
        var entries = self.entries
        for (seq, line) in records {
            var entry = try Entry(parsing: entries[Int(seq)])
            entry.commitment = Entry.commitment(salt: line.salt, record: line.record)
            entries[Int(seq)] = entry.bytes
        }
        var tree = CompactRange()
        for entry in entries { tree.append(leafHash: MerkleHashing.leafHash(entry)) }
        let signer = try NoteSigner(privateKeyText: String(contentsOfFile: vault.data + "/log.key", encoding: .utf8))
        let rewritten = try members.dropLast().map { member -> ArchiveMember in
            let bytes: [UInt8]
            if let first = ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.entriesPrefix) {
                bytes = ArchiveLayout.encodeEntries(Array(entries[chunk(first, count: entries.count)]))
            } else if let first = ArchiveLayout.chunkFirst(member.path, prefix: ArchiveLayout.recordsPrefix) {
                let lines = records.keys.sorted().filter { chunk(first, count: entries.count).contains(Int($0)) }.map { seq in
                    ArchiveLayout.recordLine(seq: seq, salt: records[seq]!.salt, record: records[seq]!.record)
                }
                bytes = Array(lines.joined().utf8)
            } else if member.path == ArchiveLayout.checkpoint {
                let old = try Checkpoint(parsing: try SignedNote(parsing: member.bytes).text)
                let checkpoint = Checkpoint(origin: old.origin, size: old.size, rootHash: tree.rootHash, extensions: old.extensions)
                bytes = Array(try SignedCheckpoint(signing: checkpoint, with: signer).serialized.utf8)
            } else {
                return member
            }
            return ArchiveMember(path: member.path, bytes: bytes, modificationTime: 0)
        }
        return try vault.resigned(rewritten + [members.last!], rootHash: tree.rootHash)
    }

    /// The seqs a chunk member starting at `first` holds, of `count` in all.
    private func chunk(_ first: Int64, count: Int) -> Range<Int> {
        Int(first)..<min(count, Int(first + ArchiveLayout.chunk))
    }
}
