public import Foundation

/// Reads a file (or standard input) as lines of bytes, without decoding, in 1 MiB chunks.
/// A line longer than `maxLineBytes` is returned truncated to `maxLineBytes + 1` bytes so that the
/// validator refuses it as too large without the reader holding it whole.
public struct LineReader: Sequence, IteratorProtocol {
    public static let maxLineBytes = RecordSchema.maxRecordBytes

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var lineNumber = 0
    /// Bytes read so far, for progress.
    public private(set) var bytesRead: Int64 = 0

    public init(handle: FileHandle) {
        self.handle = handle
    }

    public mutating func next() -> InputLine? {
        var line: [UInt8] = []
        var overlong = false
        while true {
            if position == buffer.count {
                if atEnd { break }
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty {
                    atEnd = true
                    break
                }
                buffer = Array(chunk)
                position = 0
                bytesRead += Int64(chunk.count)
            }
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                append(buffer[position..<newline], to: &line, overlong: &overlong)
                position = newline + 1
                lineNumber += 1
                return InputLine(number: lineNumber, bytes: trimmingCarriageReturn(line))
            }
            append(buffer[position...], to: &line, overlong: &overlong)
            position = buffer.count
        }
        if line.isEmpty && atEnd { return nil }
        lineNumber += 1
        return InputLine(number: lineNumber, bytes: trimmingCarriageReturn(line))
    }

    private func append(_ bytes: ArraySlice<UInt8>, to line: inout [UInt8], overlong: inout Bool) {
        guard !overlong else { return }
        let room = LineReader.maxLineBytes + 1 - line.count
        if bytes.count > room {
            line.append(contentsOf: bytes.prefix(room))
            overlong = true
        } else {
            line.append(contentsOf: bytes)
        }
    }

    private func trimmingCarriageReturn(_ line: [UInt8]) -> [UInt8] {
        line.last == 0x0D ? Array(line.dropLast()) : line
    }
}
