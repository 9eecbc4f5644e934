/// The member-path rules shared by the reader and the writer.
///
/// An acceptable path is non-empty, at most `maxBytes` UTF-8 bytes, relative (no leading `/`),
/// made of `/`-separated segments none of which is empty, `.` or `..`, and free of
/// backslashes and control characters (C0 including NUL, DEL, C1).
enum MemberPath {
    /// Returns why `path` is unacceptable, or `nil` if it is acceptable.
    static func problem(with path: String, maxBytes: Int) -> String? {
        let length = path.utf8.count
        if length == 0 {
            return "path is empty"
        }
        if length > maxBytes {
            return "path is \(length) bytes; the limit is \(maxBytes)"
        }
        if path.utf8.first == UInt8(ascii: "/") {
            return "path is absolute"
        }
        if path.utf8.contains(UInt8(ascii: "\\")) {
            return "path contains a backslash"
        }
        if path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "path contains a control character"
        }
        for segment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.isEmpty {
                return "path has an empty segment"
            }
            if segment.elementsEqual(".".utf8) || segment.elementsEqual("..".utf8) {
                return "path has a '\(String(decoding: segment, as: UTF8.self))' segment"
            }
        }
        return nil
    }

    /// Decodes raw path bytes, refusing anything that is not valid UTF-8.
    static func decode(_ bytes: [UInt8]) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}
