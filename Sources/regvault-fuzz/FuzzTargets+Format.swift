import Foundation
import VaultFormat

/// The VaultFormat parsers: signed notes and keys, checkpoints, entries, tlog-proofs, tile paths,
/// export manifests and the archive's member formats.
extension FuzzTargets {
    static func note(_ data: [UInt8]) {
        if let note = try? SignedNote(parsing: data) {
            require(Array(note.serialized.utf8) == data, "a parsed note does not re-serialise to its bytes")
            _ = try? note.verify(against: [FuzzKeys.verifier])
        }
        let text = String(decoding: data, as: UTF8.self)
        if let key = try? NoteVerifierKey(text) {
            require(key.description == text, "a parsed verifier key does not re-serialise to its text")
            _ = key.isValidSignature(data, for: data)
        }
        if let signer = try? NoteSigner(privateKeyText: text) {
            // Key files end in a newline, so the parser trims newlines around the key.
            require(signer.privateKeyText == text.trimmingCharacters(in: .newlines),
                    "a parsed signer key does not re-serialise to its text")
            require(signer.verifierKey.name == signer.name, "a signer's verifier key has another name")
        }
    }

    static func checkpoint(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        if let checkpoint = try? Checkpoint(parsing: text) {
            require(Array(checkpoint.text.utf8) == Array(text.utf8), "a parsed checkpoint does not re-serialise to its text")
            require((try? Checkpoint(parsing: checkpoint.text)) == checkpoint, "a checkpoint's text parses to another checkpoint")
        }
        if let signed = try? SignedCheckpoint(verifying: data, verifierKeys: [FuzzKeys.verifier]) {
            require(Array(signed.serialized.utf8) == data, "a verified checkpoint does not re-serialise to its bytes")
            require(signed.checkpoint.text == signed.note.text, "a verified checkpoint is not its note's text")
        }
    }

    static func entry(_ data: [UInt8]) {
        let entry = try? Entry(parsing: data)
        if let entry {
            require(entry.bytes == data, "a parsed entry does not re-serialise to its bytes")
        }
        let header = try? EntryHeader(parsing: data)
        if let entry {
            require(header != nil, "an entry parses but its header does not")
            if let header {
                require(header.kind == entry.kind && header.seq == entry.seq && header.recordedAt == entry.recordedAt
                        && header.retentionMode == entry.retentionMode && header.retainUntil == entry.retainUntil
                        && header.commitment == entry.commitment, "an entry's header disagrees with the entry")
            }
        }
    }

    static func tlogProof(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        guard let proof = try? TlogProof(parsing: text) else { return }
        require(Array(proof.text.utf8) == Array(text.utf8), "a parsed tlog-proof does not re-serialise to its text")
        _ = try? proof.verify(entry: FuzzKeys.entry, key: FuzzKeys.verifier)
        _ = try? proof.verify(entry: data, key: FuzzKeys.verifier)
    }

    /// A tile request's path after `tile/`: `L/x001/234[.p/W]` for a hash tile, `entries/...` for an
    /// entry bundle, checked against trees of several sizes the way the tile routes do.
    static func tile(_ data: [UInt8]) {
        let text = Substring(String(decoding: data, as: UTF8.self))
        // Serialising a parsed path and parsing it again gives the same tile. (The parser also accepts
        // leading zero groups, `x000/234` for `234`, as Tessera's does, so the text itself may differ.)
        if let parsed = Tiles.parseIndexPath(text) {
            let again = Tiles.parseIndexPath(Substring(Tiles.indexPath(parsed.index, width: parsed.width)))
            require(again?.index == parsed.index && again?.width == parsed.width, "a serialised index path parses to another tile")
        }
        guard let slash = text.firstIndex(of: "/") else { return }
        let first = text[..<slash], rest = text[text.index(after: slash)...]
        for size in FuzzTrees.sizes {
            if first == "entries" {
                if let (index, width) = Tiles.parseIndexPath(rest), let range = Tiles.entryRange(index: index, width: width, treeSize: size) {
                    require(range.count == width && range.upperBound <= size, "an entry bundle range is wrong")
                    _ = Tiles.entryBundlePath(containing: range.lowerBound, treeSize: size)
                }
                continue
            }
            guard let tile = Tiles.parse(level: first, indexPath: rest) else { continue }
            let path = Tiles.hashTilePath(tile).dropFirst("tile/".count)
            let slashAgain = path.firstIndex(of: "/")!
            require(Tiles.parse(level: path[..<slashAgain], indexPath: path[path.index(after: slashAgain)...]) == tile,
                    "a serialised tile path parses to another tile")
            let complete = Tiles.width(level: tile.level, index: tile.index, treeSize: size)
            require((0...Tiles.fullWidth).contains(complete), "a tile width is out of range")
            guard tile.width <= complete else { continue }
            do {
                let bytes = try Tiles.hashTile(tile, treeSize: size, reader: FuzzTrees.reader)
                require(bytes.count == tile.width * Hash.byteCount, "a hash tile has the wrong length")
            } catch {
                fatalError("a complete tile of a tree cannot be read: \(error)")
            }
        }
    }

    static func manifest(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        if let manifest = try? ExportManifest(text: text) {
            require(Array(manifest.text.utf8) == Array(text.utf8), "a parsed manifest does not re-serialise to its text")
        }
        _ = try? ExportManifest(verifying: data, key: FuzzKeys.verifier)
        archiveMember(path: nil, bytes: data)
    }

    /// Runs one archive member's bytes through the parser its path calls for (all of them when the
    /// path is unknown).
    static func archiveMember(path: String?, bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let all = path == nil
        if all || path == ArchiveLayout.manifest {
            _ = try? ExportManifest(verifying: bytes, key: FuzzKeys.verifier)
        }
        if all || path == ArchiveLayout.checkpoint {
            _ = try? SignedCheckpoint(verifying: bytes, verifierKeys: [FuzzKeys.verifier])
        }
        if all || path == ArchiveLayout.consistency, let (from, to, proof) = try? ArchiveLayout.parseConsistency(text) {
            require(ArchiveLayout.consistencyMember(from: from, to: to, proof: proof) == text,
                    "a parsed consistency member does not re-serialise")
        }
        if all || path == ArchiveLayout.keys, let keys = try? ArchiveLayout.parseKeys(text) {
            require(ArchiveLayout.keysMember(keys) == text, "a parsed keys member does not re-serialise")
        }
        if all || path.map({ ArchiveLayout.chunkFirst($0, prefix: ArchiveLayout.entriesPrefix) != nil }) == true,
           let entries = try? ArchiveLayout.decodeEntries(bytes) {
            require(ArchiveLayout.encodeEntries(entries) == bytes, "decoded entries do not re-encode")
            for entry in entries.prefix(64) { _ = try? Entry(parsing: entry) }
        }
        let isRecords = path.map { ArchiveLayout.chunkFirst($0, prefix: ArchiveLayout.recordsPrefix) != nil } ?? true
        let isInclusion = path.map { $0 == ArchiveLayout.inclusion || $0.hasPrefix(ArchiveLayout.inclusion + "/") } ?? true
        guard isRecords || isInclusion else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(256) {
            if isRecords, let (seq, salt, record) = try? ArchiveLayout.parseRecordLine(line) {
                require(ArchiveLayout.recordLine(seq: seq, salt: salt, record: record) == line + "\n",
                        "a parsed record line does not re-serialise")
            }
            if isInclusion, let (seq, entry, proof) = try? ArchiveLayout.parseInclusionLine(line) {
                require(ArchiveLayout.inclusionLine(seq: seq, entry: entry, proof: proof) == line + "\n",
                        "a parsed inclusion line does not re-serialise")
            }
        }
        if let path { _ = ArchiveLayout.chunkFirst(path, prefix: ArchiveLayout.recordsPrefix) }
    }
}

/// Trees the tile target reads tiles from: real sizes, with a reader that has every hash.
enum FuzzTrees {
    static let sizes: [Int64] = [0, 1, 255, 256, 257, 65_536 + 3, 1 << 40]

    struct ConstantReader: HashReader {
        func readHashes(_ indexes: [Int64]) throws -> [Hash] {
            indexes.map { index in
                require(index >= 0, "a stored hash index is negative")
                return MerkleHashing.emptyTreeHash
            }
        }
    }
    static let reader = ConstantReader()
}
