import Foundation
import VaultArchive
import VaultFormat

extension FuzzTargets {
    /// Limits smaller than the verifier's defaults, so one input stays fast; the checks are the same.
    static let archiveLimits = ArchiveLimits(maxMembers: 4096, maxMemberBytes: 4 << 20, maxTotalBytes: 16 << 20,
                                             compressionAllowanceBytes: 4 << 20)

    /// An export archive as the offline verifier reads it: raw bytes from a file, every member
    /// checked against the reader's documented guarantees and run through its member parser.
    static func archive(_ data: [UInt8]) {
        let reader = ArchiveReader(path: Scratch.write(data), limits: archiveLimits)
        var counts = ArchiveReader.ReadCounts()
        var memberBytes: Int64 = 0
        var paths = 0
        do {
            try reader.forEachMember(counts: &counts) { member in
                paths += 1
                require(paths <= archiveLimits.maxMembers, "more members than the limit")
                require(member.size <= archiveLimits.maxMemberBytes, "a member larger than the limit")
                require(!member.path.isEmpty && !member.path.hasPrefix("/"), "an absolute or empty member path")
                require(!member.path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." },
                        "a member path with an empty, . or .. segment: \(member.path)")
                require(member.path.utf8.count <= archiveLimits.maxPathBytes, "a member path longer than the limit")
                memberBytes += member.size
                require(memberBytes <= archiveLimits.maxTotalBytes, "members larger than the total limit")
                archiveMember(path: member.path, bytes: member.bytes)
            }
            require(counts.memberBytes == memberBytes, "counts.memberBytes \(counts.memberBytes) is not the members' \(memberBytes)")
        } catch is ArchiveError {
            // Refused: what the reader is for.
        } catch {
            // A member parser threw through forEachMember; they are all called with try?.
            fatalError("an archive read failed with an error that is not an ArchiveError: \(error)")
        }
        require(counts.uncompressedBytes <= archiveLimits.maxUncompressedBytes(afterReading: max(counts.compressedBytes, Int64(data.count))),
                "more was inflated than the compression ratio allows")
    }
}
