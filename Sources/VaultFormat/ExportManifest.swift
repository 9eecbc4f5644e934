import Foundation

/// The signed manifest of an export archive (docs/ARCHIVE.md): which log and tree head the archive
/// belongs to, what it holds, and the size and SHA-256 of every other member. Its text is
///
/// ```
/// regvault-export/v1
/// origin <origin>
/// checkpoint <size> <root, base64>
/// scope full|partial
/// filter <canonical JSON>
/// member <sha-256, lower-case hex> <size> <path>
/// ```
///
/// with one `member` line per member in archive order, and it is a C2SP signed note by the log's
/// key. Parsing is strict: any other line, order, spacing or number form is refused.
public struct ExportManifest: Sendable, Equatable {
    public static let header = "regvault-export/v1"
    /// The largest manifest note accepted (it grows by one line per member).
    public static let maxNoteSize = 4 * 1024 * 1024

    public enum Scope: String, Sendable {
        case full
        case partial
    }

    public struct Member: Sendable, Equatable {
        public let path: String
        public let size: Int64
        /// SHA-256 of the member's bytes.
        public let digest: Hash

        public init(path: String, size: Int64, digest: Hash) {
            self.path = path
            self.size = size
            self.digest = digest
        }
    }

    public let origin: String
    public let treeSize: UInt64
    public let rootHash: Hash
    public let scope: Scope
    /// Canonical JSON of the export's filters; `{}` for a full export.
    public let filter: String
    public let members: [Member]

    public init(origin: String, treeSize: UInt64, rootHash: Hash, scope: Scope, filter: String, members: [Member]) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.scope = scope
        self.filter = filter
        self.members = members
    }

    /// The note text.
    public var text: String {
        var lines = [ExportManifest.header, "origin \(origin)", "checkpoint \(treeSize) \(rootHash.base64)",
                     "scope \(scope.rawValue)", "filter \(filter)"]
        for member in members {
            lines.append("member \(member.digest.hex) \(member.size) \(member.path)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Signs the manifest with the log's key.
    public func signed(with signer: NoteSigner) throws -> String {
        try SignedNote.sign(text: text, signers: [signer]).serialized
    }

    /// Parses a signed manifest and verifies its signature with `key`, which must be named after
    /// the manifest's origin.
    public init(verifying data: some Collection<UInt8>, key: NoteVerifierKey) throws {
        let note = try SignedNote(parsing: data, maxSize: ExportManifest.maxNoteSize)
        try self.init(text: note.text)
        guard key.name == origin else {
            throw VaultFormatError(.malformedManifest, "the manifest is for log \(origin), but the key is for \(key.name)")
        }
        try note.verify(against: [key])
    }

    /// Parses the manifest's text (without its signature).
    public init(text: String) throws {
        func fail(_ why: String) -> VaultFormatError { VaultFormatError(.malformedManifest, why) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw fail("the manifest must end with a newline") }
        lines.removeLast()
        guard lines.count >= 5, lines[0] == ExportManifest.header else {
            throw fail("the manifest must start with \(ExportManifest.header)")
        }
        func value(_ line: Substring, _ key: String) throws -> Substring {
            guard line.hasPrefix(key + " ") else { throw fail("expected a '\(key)' line, got '\(line.prefix(80))'") }
            return line.dropFirst(key.count + 1)
        }
        origin = String(try value(lines[1], "origin"))
        guard !origin.isEmpty, !origin.contains(" ") else { throw fail("the origin must be one word") }
        let checkpoint = try value(lines[2], "checkpoint").split(separator: " ", omittingEmptySubsequences: false)
        guard checkpoint.count == 2, let size = Checkpoint.parseSize(checkpoint[0]), let root = Hash(base64: String(checkpoint[1])) else {
            throw fail("the checkpoint line is 'checkpoint <size> <root, base64>'")
        }
        treeSize = size
        rootHash = root
        guard let scope = Scope(rawValue: String(try value(lines[3], "scope"))) else {
            throw fail("the scope is full or partial")
        }
        self.scope = scope
        filter = String(try value(lines[4], "filter"))
        var members: [Member] = []
        var seen: Set<String> = []
        for line in lines.dropFirst(5) {
            let fields = try value(line, "member").split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let digest = Hash(hex: fields[0]), let size = Checkpoint.parseSize(fields[1]),
                  size <= UInt64(Int64.max), !fields[2].isEmpty else {
                throw fail("a member line is 'member <sha-256 hex> <size> <path>': '\(line.prefix(120))'")
            }
            let path = String(fields[2])
            guard seen.insert(path).inserted else { throw fail("member \(path) is listed twice") }
            members.append(Member(path: path, size: Int64(size), digest: digest))
        }
        self.members = members
    }
}
