/// Table-driven reflected CRCs, eight bytes per step (slicing-by-8), for the checksums zlib lacks:
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; "123456789" → 0xE3069283) and CRC-64/NVME (reflected
/// polynomial 0x9A6C9329AC4BC9B5, initial value and final XOR all ones; "123456789" → 0xAE8B14860A799888).
/// Both take and return the finished (XORed) value, so `update(update(0, a), b) == update(0, a + b)`.
enum CRC32C {
    static let tables: [[UInt32]] = slicingTables(polynomial: UInt32(0x82F6_3B78))

    static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        var c = ~crc
        bytes.withUnsafeBufferPointer { buffer in
            let t = tables
            var index = 0
            let count = buffer.count
            while count - index >= 8 {
                let low = c ^ (UInt32(buffer[index]) | UInt32(buffer[index + 1]) << 8 | UInt32(buffer[index + 2]) << 16 | UInt32(buffer[index + 3]) << 24)
                c = t[7][Int(low & 0xFF)] ^ t[6][Int(low >> 8 & 0xFF)] ^ t[5][Int(low >> 16 & 0xFF)] ^ t[4][Int(low >> 24)]
                    ^ t[3][Int(buffer[index + 4])] ^ t[2][Int(buffer[index + 5])] ^ t[1][Int(buffer[index + 6])] ^ t[0][Int(buffer[index + 7])]
                index += 8
            }
            while index < count {
                c = t[0][Int((c ^ UInt32(buffer[index])) & 0xFF)] ^ (c >> 8)
                index += 1
            }
        }
        return ~c
    }
}

enum CRC64NVME {
    static let tables: [[UInt64]] = slicingTables(polynomial: UInt64(0x9A6C_9329_AC4B_C9B5))

    static func update(_ crc: UInt64, _ bytes: [UInt8]) -> UInt64 {
        var c = ~crc
        bytes.withUnsafeBufferPointer { buffer in
            let t = tables
            var index = 0
            let count = buffer.count
            while count - index >= 8 {
                var word: UInt64 = 0
                for k in 0..<8 { word |= UInt64(buffer[index + k]) << (8 * UInt64(k)) }
                let x = c ^ word
                c = t[7][Int(x & 0xFF)] ^ t[6][Int(x >> 8 & 0xFF)] ^ t[5][Int(x >> 16 & 0xFF)] ^ t[4][Int(x >> 24 & 0xFF)]
                    ^ t[3][Int(x >> 32 & 0xFF)] ^ t[2][Int(x >> 40 & 0xFF)] ^ t[1][Int(x >> 48 & 0xFF)] ^ t[0][Int(x >> 56)]
                index += 8
            }
            while index < count {
                c = t[0][Int((c ^ UInt64(buffer[index])) & 0xFF)] ^ (c >> 8)
                index += 1
            }
        }
        return ~c
    }
}

/// Eight tables for a reflected CRC: table 0 is the byte-at-a-time table, table k advances a byte through k more zero bytes.
private func slicingTables<Word: FixedWidthInteger & UnsignedInteger>(polynomial: Word) -> [[Word]] {
    var first = [Word](repeating: 0, count: 256)
    for byte in 0..<256 {
        var c = Word(byte)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ polynomial : c >> 1 }
        first[byte] = c
    }
    var tables = [first]
    for k in 1..<8 {
        tables.append((0..<256).map { byte in
            let previous = tables[k - 1][byte]
            return first[Int(truncatingIfNeeded: previous & 0xFF)] ^ (previous >> 8)
        })
    }
    return tables
}
