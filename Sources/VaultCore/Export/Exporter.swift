import Crypto
import Foundation
public import VaultArchive
public import VaultFormat
import VaultStore

/// How an export went.
public struct ExportSummary: Sendable {
    public let treeSize: Int64
    public let scope: ExportManifest.Scope
    public let entries: Int64
    public let records: Int64
    public let bytes: Int64

    /// `{"treeSize","scope","entries","records","bytes"}`.
    public var json: JSONValue {
        .object(["treeSize": .int(treeSize), "scope": .string(scope.rawValue), "entries": .int(entries),
                 "records": .int(records), "bytes": .int(bytes)])
    }
}

/// Progress of an export: entries written so far out of the total it will write.
public struct ExportProgress: Sendable {
    public let done: Int64
    public let total: Int64
}

extension Vault {
    /// Writes a signed export archive (docs/ARCHIVE.md) of the tree of the latest checkpoint to
    /// `path`: everything (full export, empty filter) or what `filter` selects with what a
    /// verifier needs to account for it (partial export). The file appears only when complete
    /// (`ArchiveWriter` writes a temporary file, fsyncs and renames it). Reads only; needs the log key to sign the
    /// manifest. The same vault state and options give a byte-identical file.
    /// - Parameter proveFrom: an earlier tree size to include a consistency proof from.
    ///
    /// The export reads while the vault may go on writing. Records erased during the export by an
    /// erasure entry beyond the export's checkpoint could not be accounted for in the archive, so
    /// the export then starts again from the newer checkpoint (at most three times).
    @discardableResult
    public func export(to path: String, filter: ExportFilter = ExportFilter(), compression: ArchiveCompression = .none,
                       proveFrom: Int64? = nil, progress: (@Sendable (ExportProgress) -> Void)? = nil) throws -> ExportSummary {
        for _ in 0..<3 {
            let summary = try exportOnce(to: path, filter: filter, compression: compression, proveFrom: proveFrom,
                                         progress: progress)
            if try store.erasureCount(since: summary.treeSize) == 0 { return summary }
        }
        throw VaultError(.conflict, "records kept being erased while the export ran; export again after the sweep")
    }

    private func exportOnce(to path: String, filter: ExportFilter, compression: ArchiveCompression, proveFrom: Int64?,
                            progress: (@Sendable (ExportProgress) -> Void)?) throws -> ExportSummary {
        try filter.validate()
        let signer = try directory.readSigningKey()
        guard let checkpoint = try latestCheckpoint(), let info = try store.latestCheckpointInfo() else {
            throw VaultError(.integrity, "the vault has no checkpoint")
        }
        let size = Int64(checkpoint.checkpoint.size)
        if let proveFrom, !(1...max(size, 1)).contains(proveFrom) || size == 0 {
            throw VaultError(.invalidRequest, "the consistency proof can start at 1 to \(size), not \(proveFrom)")
        }
        var builder = try ArchiveBuilder(path: path, compression: compression, modificationTime: info.createdAt / 1000)
        try builder.add(ArchiveLayout.readme, Array(ExportReadme.text(origin: origin, size: size, partial: !filter.isEmpty).utf8))
        try builder.add(ArchiveLayout.checkpoint, Array(checkpoint.serialized.utf8))
        try builder.add(ArchiveLayout.keys, Array(ArchiveLayout.keysMember([(verifierKey, 0, nil)]).utf8))
        for policy in policies.policies {
            try builder.add(ArchiveLayout.retentionPrefix + policy.id + ".json", policy.fileBytes)
        }
        let written: (entries: Int64, records: Int64)
        if filter.isEmpty {
            written = try writeFull(size: size, into: &builder, progress: progress)
        } else {
            written = try writePartial(filter: filter, size: size, into: &builder, progress: progress)
        }
        if let proveFrom {
            let proof = try consistencyProof(from: proveFrom, to: size)
            try builder.add(ArchiveLayout.consistency,
                            Array(ArchiveLayout.consistencyMember(from: proveFrom, to: size, proof: proof.hashes).utf8))
        }
        let manifest = ExportManifest(origin: origin, treeSize: UInt64(size), rootHash: checkpoint.checkpoint.rootHash,
                                      scope: filter.isEmpty ? .full : .partial, filter: filter.canonicalJSON,
                                      members: builder.members)
        try builder.add(ArchiveLayout.manifest, Array(try manifest.signed(with: signer).utf8))
        try builder.finish()
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64) ?? 0
        return ExportSummary(treeSize: size, scope: manifest.scope, entries: written.entries, records: written.records,
                             bytes: bytes)
    }

    /// Every entry, and every record not erased, in chunks of `ArchiveLayout.chunk` seqs.
    private func writeFull(size: Int64, into builder: inout ArchiveBuilder,
                           progress: (@Sendable (ExportProgress) -> Void)?) throws -> (entries: Int64, records: Int64) {
        var records: Int64 = 0
        for first in stride(from: Int64(0), to: size, by: Int(ArchiveLayout.chunk)) {
            let end = min(first + ArchiveLayout.chunk, size)
            let leaves = try store.leaves(from: first, to: end)
            guard leaves.count == Int(end - first) else { throw VaultError(.integrity, "entries \(first)..<\(end) are not all stored") }
            try builder.add(ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: first),
                            ArchiveLayout.encodeEntries(leaves.map { [UInt8]($0.entry) }))
            let lines = try recordLines(try store.recordsForCheck(from: first, to: end).map(\.record))
            records += lines.count
            if !lines.text.isEmpty {
                try builder.add(ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: first), Array(lines.text.utf8))
            }
            progress?(ExportProgress(done: end, total: size))
        }
        return (size, records)
    }

    /// The selected entries with inclusion proofs, and their records.
    private func writePartial(filter: ExportFilter, size: Int64, into builder: inout ArchiveBuilder,
                              progress: (@Sendable (ExportProgress) -> Void)?) throws -> (entries: Int64, records: Int64) {
        let seqs = try ExportSelection(store: store, filter: filter, treeSize: size).seqs()
        guard !seqs.isEmpty else { throw VaultError(.notFound, "the filter selects no records") }
        let leaves = try store.leaves(seqs: seqs)
        var inclusion = ""
        for start in stride(from: 0, to: seqs.count, by: 1000) {
            let part = Array(seqs[start..<min(start + 1000, seqs.count)])
            let indexes = try part.flatMap { try MerkleTree.inclusionProofIndexes(index: $0, size: size) }
            let hashes = try PrefetchedHashReader(indexes: indexes, from: store)
            for seq in part {
                guard let leaf = leaves[seq] else { throw VaultError(.integrity, "entry \(seq) is not stored") }
                inclusion += ArchiveLayout.inclusionLine(seq: seq, entry: leaf.entry,
                                                         proof: try MerkleTree.proveInclusion(index: seq, size: size, reader: hashes))
            }
            progress?(ExportProgress(done: Int64(start + part.count), total: Int64(seqs.count)))
        }
        try builder.add(ArchiveLayout.inclusion, Array(inclusion.utf8))
        var records: Int64 = 0
        var byChunk: [Int64: [Int64]] = [:]
        for seq in seqs { byChunk[seq / ArchiveLayout.chunk * ArchiveLayout.chunk, default: []].append(seq) }
        for first in byChunk.keys.sorted() {
            let wanted = Set(byChunk[first]!)
            let rows = try store.recordsForCheck(from: first, to: first + ArchiveLayout.chunk).map(\.record)
                .filter { wanted.contains($0.seq) }
            let lines = try recordLines(rows)
            records += lines.count
            if !lines.text.isEmpty {
                try builder.add(ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: first), Array(lines.text.utf8))
            }
        }
        return (Int64(seqs.count), records)
    }

    /// Record lines for the records that are not erased, refusing one that no longer matches its entry.
    private func recordLines(_ rows: [StoredRecord]) throws -> (text: String, count: Int64) {
        var text = ""
        var count: Int64 = 0
        for row in rows {
            guard let body = row.body, let salt = row.salt else { continue }
            text += ArchiveLayout.recordLine(seq: row.seq, salt: salt, record: body)
            count += 1
        }
        return (text, count)
    }
}

/// Adds members to an archive and keeps each one's size and SHA-256 for the manifest.
struct ArchiveBuilder {
    private let writer: ArchiveWriter
    private let modificationTime: Int64
    private(set) var members: [ExportManifest.Member] = []

    init(path: String, compression: ArchiveCompression, modificationTime: Int64) throws {
        writer = try ArchiveWriter(path: path, compression: compression)
        self.modificationTime = modificationTime
    }

    mutating func add(_ path: String, _ bytes: [UInt8]) throws {
        try writer.add(path: path, bytes: bytes, modificationTime: modificationTime)
        members.append(ExportManifest.Member(path: path, size: Int64(bytes.count), digest: Hash(digest: SHA256.hash(data: bytes))))
    }

    func finish() throws {
        try writer.finish()
    }
}

/// The archive's `README.txt`.
enum ExportReadme {
    static func text(origin: String, size: Int64, partial: Bool) -> String {
        """
        RegVault export archive (format regvault-export/v1; see docs/ARCHIVE.md in the RegVault sources).
        Log: \(origin). Tree size: \(size). Scope: \(partial ? "partial (the records a filter selected, with proofs)" : "full").

        To verify it offline, with the log's verifier key (regvault keys public):

            regvault-verify ARCHIVE --key VERIFIER_KEY [--trusted-checkpoint FILE]

        The verifier checks the signed manifest and every member's SHA-256, every entry against the
        signed checkpoint, every record against its entry's commitment, and that every record that
        is missing was erased by a later erasure entry at the end of its retention and not under a
        legal hold.

        """
    }
}
