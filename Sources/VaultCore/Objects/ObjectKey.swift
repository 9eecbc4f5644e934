/// Object keys: `PUT /v1/objects/{key}`. A key is 1 to 128 bytes of `[A-Za-z0-9._-]` in
/// `/`-separated segments, none empty, `.` or `..`; each stored object is the entity
/// `object`/<key> on the stream `vault.object`, so holds and history work on it like on any entity.
public enum ObjectKey {
    public static let entityType = "object"
    public static let maxLength = 128

    public static func isValid(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard (1...maxLength).contains(utf8.count) else { return false }
        return key.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.utf8.allSatisfy { c in
                    (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                        || c == 0x2E || c == 0x5F || c == 0x2D
                }
        }
    }
}
