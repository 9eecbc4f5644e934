import VaultArchive

/// Members covering the interesting shapes: nested, empty, large, non-ASCII, long path.
let sampleMembers: [ArchiveMember] = [
    ArchiveMember(path: "a/b/c.txt", bytes: Array("nested\n".utf8), modificationTime: 1_700_000_000),
    ArchiveMember(path: "empty", bytes: [], modificationTime: 0),
    ArchiveMember(path: "big.bin", bytes: pseudoRandomBytes(count: 5_000_000, seed: 42), modificationTime: 1_700_000_001),
    ArchiveMember(path: "données/é.txt", bytes: Array("non-ASCII name\n".utf8), modificationTime: 1_700_000_002),
    ArchiveMember(
        path: String(repeating: "long-directory/", count: 14) + "file.txt",
        bytes: Array("path longer than a ustar name field\n".utf8), modificationTime: 1_700_000_003),
    ArchiveMember(path: "a/b/d.txt", bytes: [0, 1, 2, 255], modificationTime: 1_700_000_004),
]
