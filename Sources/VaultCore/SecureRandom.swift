/// Cryptographically secure random bytes from the operating system.
enum SecureRandom {
    /// `count` random bytes from `SystemRandomNumberGenerator`, which the standard library documents
    /// as cryptographically secure (getrandom(2) on Linux). Its failure stops the program: a vault
    /// that cannot salt its commitments must not go on.
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }
}
