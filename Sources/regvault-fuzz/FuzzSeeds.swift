import Foundation
import VaultArchive
import VaultCore
import VaultFormat

/// Seeds that need a key, a proof or a compressor to make: signed notes and checkpoints under the
/// fuzz key, a tlog-proof, entries, tile paths, parameters, manifests, archive members and whole
/// archives. `tools/fuzz.sh` adds the public vectors and the repository's example files to them.
enum FuzzSeeds {
    static func write(to directory: String) throws {
        for (target, seeds) in try make() {
            let folder = directory + "/" + target
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (number, seed) in seeds.enumerated() {
                let path = folder + "/generated-\(number)"
                guard FileManager.default.createFile(atPath: path, contents: Data(seed)) else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
        }
    }

    static func make() throws -> [(String, [[UInt8]])] {
        let signer = FuzzKeys.signer
        let leaf = MerkleHashing.leafHash(FuzzKeys.entry)
        let checkpoint = Checkpoint(origin: signer.name, size: 1, rootHash: leaf, extensions: ["extension line"])
        let signed = try SignedCheckpoint(signing: checkpoint, with: signer)
        let proof = TlogProof(index: 0, hashes: [], checkpoint: signed.serialized, extra: [1, 2, 3])
        let twoLeaves = Checkpoint(origin: signer.name, size: 2,
                                   rootHash: MerkleHashing.nodeHash(leaf, MerkleHashing.leafHash([UInt8]())))
        let proofOfTwo = TlogProof(index: 0, hashes: [MerkleHashing.leafHash([UInt8]())],
                                   checkpoint: try SignedCheckpoint(signing: twoLeaves, with: signer).serialized)
        let entries = EntryKind.allCases.map { kind in
            Entry(kind: kind, seq: UInt64(kind.rawValue), recordedAt: FuzzTargets.now, retentionMode: .compliance,
                  retainUntil: FuzzTargets.now + 1000, retentionClass: "gb.payments", commitment: leaf).bytes
        }
        let manifest = ExportManifest(origin: signer.name, treeSize: 2, rootHash: leaf, scope: .partial, filter: "entity=bonusRule/123",
                                      members: [.init(path: ArchiveLayout.checkpoint, size: 12, digest: leaf),
                                                .init(path: ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 0), size: 3, digest: leaf)])
        let members: [(String, [UInt8])] = [
            (ArchiveLayout.readme, Array("an export\n".utf8)),
            (ArchiveLayout.checkpoint, Array(signed.serialized.utf8)),
            (ArchiveLayout.keys, Array(ArchiveLayout.keysMember([(signer.verifierKey, 0, nil)]).utf8)),
            (ArchiveLayout.chunkPath(ArchiveLayout.entriesPrefix, first: 0), ArchiveLayout.encodeEntries(entries)),
            (ArchiveLayout.chunkPath(ArchiveLayout.recordsPrefix, first: 0),
             Array(ArchiveLayout.recordLine(seq: 0, salt: [1, 2, 3], record: Array("{}".utf8)).utf8)),
            (ArchiveLayout.inclusion, Array(ArchiveLayout.inclusionLine(seq: 0, entry: FuzzKeys.entry, proof: [leaf]).utf8)),
            (ArchiveLayout.consistency, Array(ArchiveLayout.consistencyMember(from: 1, to: 2, proof: [leaf]).utf8)),
            (ArchiveLayout.manifest, Array(try manifest.signed(with: signer).utf8)),
        ]
        var archives: [[UInt8]] = []
        for compression in ArchiveCompression.allCases {
            let path = Scratch.directory + "/seed.tar"
            let writer = try ArchiveWriter(path: path, compression: compression)
            for (name, bytes) in members { try writer.add(path: name, bytes: bytes, modificationTime: 0) }
            try writer.finish()
            archives.append(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let text = { (s: String) in Array(s.utf8) }
        return [
            ("note", [text(signed.serialized), text(signer.verifierKey.description), text(signer.privateKeyText)]),
            ("checkpoint", [text(signed.serialized), text(checkpoint.text)]),
            ("entry", entries),
            ("tlogproof", [text(proof.text), text(proofOfTwo.text)]),
            ("tile", ["0/000", "0/x001/234.p/5", "1/x123/x456/789", "entries/000.p/1", "entries/x001/002", "63/000.p/255"].map(text)),
            ("params", ["2026-11-20T10:00:00Z", "2026-11-20t10:00:00.123456+01:30", "2026-W47", "2026-11", "2026-Q4",
                        "2026-11-20", PageCursor(recordedAt: FuzzTargets.now, seq: 42).text, "reports/2026/q4.pdf"].map(text)),
            ("manifest", [text(manifest.text), text(try manifest.signed(with: signer))] + members.map(\.1)),
            ("archive", archives),
            ("config", configurationSeeds.map(text)),
            ("patch", [text(#"[{"a":1,"b":[1,2]},[{"op":"replace","path":"/a","value":2},{"op":"add","path":"/b/-","value":3},{"op":"remove","path":"/b/0"}]]"#),
                       text(#"[null,[{"op":"add","path":"","value":{"x":{"y":"z"}}}]]"#)]),
        ]
    }

    /// Configuration files (the documented example, the least a server needs, a sandbox and bearer
    /// tokens) and the range and address texts they hold.
    static let configurationSeeds = [
        #"{"data":"/var/lib/regvault","listen":"0.0.0.0:8443","tls":{"certificate":"server.pem","privateKey":"server.key","clientCAs":["clients-ca.pem"]},"identities":[{"commonName":"bonus-engine","roles":["ingest"],"allowFrom":["10.20.0.0/16"]},{"commonName":"mga-inspector-1","roles":["regulator_read"],"allowFrom":["192.0.2.10/32"]}],"limits":{"maxBodyBytes":16777216,"maxBatchRecords":10000,"maxObjectBytes":67108864,"requestHeadSeconds":10,"bodySeconds":120,"maxConnections":1024,"maxConnectionsPerAddress":128},"sweepIntervalSeconds":3600}"#,
        #"{"data":"d","listen":"[::1]:0","tls":{"certificate":"s.pem","privateKey":"s.key","clientCAs":["ca.pem"]},"identities":[{"commonName":"i","roles":["admin","compliance_officer"],"allowFrom":["::1/128"]}]}"#,
        #"{"data":"d","listen":"127.0.0.1:8443","tls":{"certificate":"s.pem","privateKey":"s.key","clientCAs":["ca.pem"]},"identities":[{"commonName":"sso","roles":["regulator_read"],"allowFrom":["0.0.0.0/0"],"acceptsBearerTokens":true}],"bearerTokens":{"issuer":"https://sso.example","audience":"regvault","jwks":"keys.json"},"sandbox":{"scenario":"demo","clientCA":"sandbox-ca.pem","allowFrom":["198.51.100.0/24"],"data":"sb"}}"#,
        "10.0.0.0/8", "::ffff:10.1.2.3/128", "2001:db8::/32", "0.0.0.0/0", "127.0.0.1:8443", "[::1]:0",
    ]
}
