/// The member paths seen so far in one archive, for refusing ambiguous archives.
///
/// Paths are compared with `String` equality, which is Unicode canonical equivalence, so
/// precomposed and decomposed spellings of the same name count as the same path.
///
/// Besides every file path, the set remembers every directory those paths imply. To keep
/// memory proportional to the limits even for deeply nested hostile paths, the number of
/// distinct directories is capped at `maxDirectories`, so at most
/// `(maxMembers + maxDirectories) × maxPathBytes` bytes of paths are held.
struct MemberNameSet {
    private let maxDirectories: Int
    private var files: Set<String> = []
    private var directories: Set<String> = []

    init(maxDirectories: Int) {
        self.maxDirectories = maxDirectories
    }

    /// Records `path`, or throws without recording anything when it equals an earlier path
    /// or one of the two would have to be a directory of the other (`a` and `a/b` cannot both
    /// be regular files), both `duplicateMember`; or when it would take the directories past
    /// the cap (`tooManyMembers`).
    mutating func insert(_ path: String) throws(ArchiveError) {
        func clash(_ reason: String) -> ArchiveError {
            ArchiveError(code: .duplicateMember, member: path, reason: reason)
        }
        if files.contains(path) {
            throw clash("path appears more than once")
        }
        if directories.contains(path) {
            throw clash("path is also the directory of an earlier member")
        }
        let parents = Self.parentDirectories(of: path)
        if let file = parents.first(where: { files.contains($0) }) {
            throw clash("path needs \"\(file)\", an earlier member, to be a directory")
        }
        let newDirectories = parents.filter { !directories.contains($0) }
        guard newDirectories.count <= maxDirectories - directories.count else {
            throw ArchiveError(
                code: .tooManyMembers, member: path,
                reason: "archive implies more than \(maxDirectories) directories")
        }
        files.insert(path)
        directories.formUnion(newDirectories)
    }

    /// `a/b/c` gives `a` and `a/b`. Splits on the byte `/`, never on grapheme clusters,
    /// so a `/` followed by a combining mark still separates segments.
    private static func parentDirectories(of path: String) -> [String] {
        let utf8 = path.utf8
        return utf8.indices
            .filter { utf8[$0] == UInt8(ascii: "/") }
            .map { String(decoding: utf8[..<$0], as: UTF8.self) }
    }
}
