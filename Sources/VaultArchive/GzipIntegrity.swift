#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Checks a gzip file end to end the way `gzip -t` does: every member inflates, and its CRC-32 and
/// length trailer match what it inflated to. libarchive reads the tar inside without looking at
/// the trailers, so one flipped bit can inflate to wrong bytes unnoticed; this names that damage
/// as what it is before anything else is said about the archive.
public enum GzipIntegrity {
    /// Whether `path` starts with the gzip magic number.
    public static func isGzip(path: String) -> Bool {
        guard let file = try? PosixFile.openForReading(path) else { return false }
        defer { close(file) }
        var magic = [UInt8](repeating: 0, count: 2)
        let count = magic.withUnsafeMutableBytes { read(file, $0.baseAddress, 2) }
        return count == 2 && magic == [0x1F, 0x8B]
    }

    /// Nil if every gzip member of `path` inflates and matches its trailer; otherwise what is
    /// wrong, in one line.
    public static func damage(path: String) -> String? {
        guard let file = try? PosixFile.openForReading(path) else { return "cannot be opened" }
        defer { close(file) }
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return "zlib could not start"
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](repeating: 0, count: 1 << 20)
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        var sawMember = false
        while true {
            let count = input.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            if count < 0 { return "cannot be read (errno \(errno))" }
            if count == 0 { break }
            var pending = input[0..<count]
            while !pending.isEmpty {
                let (code, used) = pending.withUnsafeMutableBufferPointer { source in
                    output.withUnsafeMutableBytes { target -> (Int32, Int) in
                        stream.next_in = source.baseAddress
                        stream.avail_in = UInt32(source.count)
                        var code = Z_OK
                        repeat {
                            stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                            stream.avail_out = UInt32(target.count)
                            code = inflate(&stream, Z_NO_FLUSH)
                        } while code == Z_OK && stream.avail_in > 0
                        return (code, source.count - Int(stream.avail_in))
                    }
                }
                offset += Int64(used)
                pending = pending.dropFirst(used)
                switch code {
                case Z_STREAM_END:
                    sawMember = true
                    // Another member may follow (a concatenated gzip file); start it afresh.
                    guard inflateReset(&stream) == Z_OK else { return "zlib could not continue" }
                case Z_OK, Z_BUF_ERROR:
                    if used == 0 && code == Z_BUF_ERROR { return "is damaged near byte \(offset)" }
                default:
                    var message = stream.msg.map { String(cString: $0) } ?? "code \(code)"
                    if message == "incorrect data check" { message = "its CRC-32 does not match what it inflates to" }
                    if message == "incorrect length check" { message = "its length does not match what it inflates to" }
                    return "the gzip stream is damaged near byte \(offset) (\(message))"
                }
            }
        }
        if stream.total_in > 0 || !sawMember {
            return "the gzip stream ends early, at byte \(offset): the file is truncated"
        }
        return nil
    }
}
