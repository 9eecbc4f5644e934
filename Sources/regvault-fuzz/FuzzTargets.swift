import Foundation
import VaultArchive
import VaultCore
import VaultFormat

/// One fuzz entry per parser that reads bytes from outside the vault. Each entry takes one input,
/// runs it through the parser as the vault would, and checks what is cheap to check: parsing never
/// traps, and what parses re-serialises to the same bytes where the format is canonical.
/// A broken invariant stops the program (`require`), which libFuzzer reports as a crash.
enum FuzzTargets {
    typealias Body = @Sendable ([UInt8]) -> Void

    /// The targets by name, in the order `tools/fuzz.sh` runs them.
    static let all: [(name: String, summary: String, body: Body)] = [
        ("json", "JSONParser on arbitrary bytes; the canonical form re-parses to the same value", json),
        ("records", "JSON lines through LineReader, each line through RecordValidator (production and sandbox)", records),
        ("patch", "JSON Patch: validate and apply [document, patch]; diff then apply reproduces the result", patch),
        ("note", "SignedNote, NoteVerifierKey and NoteSigner key texts; parsed forms re-serialise byte for byte", note),
        ("checkpoint", "Checkpoint bodies and signed checkpoints verified against a fixed key", checkpoint),
        ("entry", "Entry and EntryHeader binary forms", entry),
        ("tlogproof", "c2sp tlog-proof files, parsed and verified against a fixed key and entry", tlogProof),
        ("tile", "tile paths (level/index[.p/width]) as the tile routes use them: parse, width, hash tile", tile),
        ("params", "query and path parameters: RFC 3339 times, reporting periods, page cursors, object keys", params),
        ("retention", "retention policy files, alone and as a set replacing the operator default", retention),
        ("manifest", "export manifests (plain and signed) and the archive's member formats (ArchiveLayout)", manifest),
        ("archive", "ArchiveReader on raw bytes (any compression libarchive detects), members through their parsers", archive),
        ("config", "the server's configuration file as serve reads it; CIDR ranges and listen addresses alone", configuration),
    ]

    static func named(_ name: String) -> Body? {
        all.first { $0.name == name }?.body
    }
}

/// Stops the program when an invariant does not hold; libFuzzer saves the input.
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition {
        fatalError("fuzz invariant broken: \(message())", file: file, line: line)
    }
}

/// The fixed key every signed seed is signed with, so that verification paths are reachable.
enum FuzzKeys {
    static let signer: NoteSigner = {
        do {
            return try NoteSigner(name: "fuzz.example/log", publicSeed: [UInt8](repeating: 7, count: 32))
        } catch {
            fatalError("the fuzz signer cannot be made: \(error)")
        }
    }()
    static var verifier: NoteVerifierKey { signer.verifierKey }
    /// The entry the tlog-proof seeds prove.
    static let entry = Array("fuzz entry\n".utf8)
}

/// A scratch directory per process, for the parsers that read files; removed at exit.
enum Scratch {
    static let directory: String = {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let path = "\(base)/regvault-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            fatalError("cannot make the scratch directory \(path): \(error)")
        }
        atexit { try? FileManager.default.removeItem(atPath: Scratch.directory) }
        return path
    }()

    static var file: String { directory + "/input" }

    /// Writes `bytes` to the scratch file and returns its path.
    static func write(_ bytes: [UInt8]) -> String {
        let ok = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        require(ok, "cannot write the scratch file \(file)")
        return file
    }
}
