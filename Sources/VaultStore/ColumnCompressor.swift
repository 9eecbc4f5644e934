internal import CZstd
public import Foundation

/// Compression of a record's erasable columns (body, diff, state-after) before they are sealed,
/// with zstd, under the stream's dictionary when it has one.
///
/// Stored form of a column's plaintext: a zstd frame (it begins with the magic `28 B5 2F FD` and
/// names its dictionary's id, if any), or the canonical JSON itself when compressing would not
/// make it smaller. Canonical JSON begins with `{` or `[`, so the two cannot be confused, and
/// columns written before compression existed read as they are. Only the stored form changes: what
/// `decompress` returns is exactly the bytes `compress` was given, the canonical bytes committed
/// in the log.
///
/// Compressing before sealing lets whoever reads the database see each column's compressed length.
/// That length says something about content only when one party's chosen text is compressed
/// together with another party's secret (CRIME); each column here is one record, submitted whole by
/// one authenticated service, and the dictionaries hold no record's own values.
///
/// Thread safety: any number of threads may compress and decompress at once; zstd contexts are
/// pooled under a lock and dictionaries, once added, are immutable.
final class ColumnCompressor: @unchecked Sendable {
    /// zstd's default level: records are small, so a higher level gains little and costs time on
    /// the writer's path.
    static let level: Int32 = 3
    /// A stored column never expands to more than this (the frame states its size; a corrupt or
    /// hostile frame that claims more is refused, not allocated).
    static let maxPlaintextBytes = 64 << 20

    private let lock = NSLock()
    private var dictionaries: [UInt32: LoadedDictionary] = [:]
    private var activeByStream: [String: UInt32] = [:]
    private var idleCompressors: [OpaquePointer] = []
    private var idleDecompressors: [OpaquePointer] = []

    init() {}

    deinit {
        idleCompressors.forEach { ZSTD_freeCCtx($0) }
        idleDecompressors.forEach { ZSTD_freeDCtx($0) }
    }

    /// `dictionary` digested, ready to `add`.
    /// - Throws: `StorageError.corrupt` when zstd cannot load it or its id is not the one it states.
    func prepare(_ dictionary: StoredDictionary) throws -> PreparedDictionary {
        PreparedDictionary(stored: dictionary, loaded: try LoadedDictionary(dictionary))
    }

    /// Makes the dictionary known for reading and the one used for its stream's new columns from
    /// now on (unless the stream has a later one). Call only once it is durably stored.
    func add(_ prepared: PreparedDictionary) {
        lock.withLock {
            dictionaries[prepared.stored.id] = prepared.loaded
            activeByStream[prepared.stored.stream] = prepared.stored.id
        }
    }


    /// Whether `stream` has a dictionary.
    func hasDictionary(forStream stream: String) -> Bool {
        lock.withLock { activeByStream[stream] != nil }
    }

    /// Whether a dictionary with this id is known.
    func knows(dictionaryId id: UInt32) -> Bool {
        lock.withLock { dictionaries[id] != nil }
    }

    /// The stored form of `plaintext`, a column of a record of `stream`.
    func compress(_ plaintext: Data, stream: String) -> Data {
        let dictionary = lock.withLock { activeByStream[stream].flatMap { dictionaries[$0] } }
        let context = lock.withLock { idleCompressors.popLast() } ?? makeCompressor()
        defer { lock.withLock { idleCompressors.append(context) } }
        _ = ZSTD_CCtx_refCDict(context, dictionary?.compression)
        var out = Data(count: ZSTD_compressBound(plaintext.count))
        let written = out.withUnsafeMutableBytes { target in
            plaintext.withUnsafeBytes { source in
                ZSTD_compress2(context, target.baseAddress, target.count, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(written) == 0, written < plaintext.count else { return plaintext }
        out.count = written
        return out
    }

    /// The plaintext of a stored column; `what` names it in errors. When the frame needs a
    /// dictionary this compressor does not know (another process trained it after this one loaded
    /// the store's), `loadMissing` is called once to add the store's newer dictionaries.
    /// - Throws: `StorageError.corrupt` when the frame is damaged, too large, or needs a dictionary
    ///   the store does not have.
    func decompress(_ stored: Data, what: String, loadMissing: () throws -> Void = {}) throws -> Data {
        guard ColumnCompressor.isFrame(stored) else { return stored }
        return try stored.withUnsafeBytes { source -> Data in
            let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN,
                  size <= UInt64(ColumnCompressor.maxPlaintextBytes) else {
                throw StorageError(.corrupt, "\(what) is stored as a damaged compressed frame")
            }
            let dictionaryId = ZSTD_getDictID_fromFrame(source.baseAddress, source.count)
            var dictionary = lock.withLock { dictionaries[dictionaryId] }
            if dictionaryId != 0, dictionary == nil {
                try loadMissing()
                dictionary = lock.withLock { dictionaries[dictionaryId] }
                guard dictionary != nil else {
                    throw StorageError(.corrupt, "\(what) is compressed with dictionary \(dictionaryId), which is not in the store")
                }
            }
            let context = lock.withLock { idleDecompressors.popLast() } ?? ZSTD_createDCtx()!
            defer { lock.withLock { idleDecompressors.append(context) } }
            var out = Data(count: Int(size))
            let read = out.withUnsafeMutableBytes { target in
                ZSTD_decompress_usingDDict(context, target.baseAddress, target.count, source.baseAddress, source.count,
                                           dictionary?.decompression)
            }
            guard ZSTD_isError(read) == 0, read == Int(size) else {
                throw StorageError(.corrupt, "\(what) is stored as a damaged compressed frame")
            }
            return out
        }
    }

    /// Whether `stored` is a zstd frame rather than canonical JSON.
    static func isFrame(_ stored: Data) -> Bool {
        stored.count >= 4 && stored.starts(with: [0x28, 0xB5, 0x2F, 0xFD])
    }

    private func makeCompressor() -> OpaquePointer {
        let context = ZSTD_createCCtx()!
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, ColumnCompressor.level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0)  // the seal's tag already authenticates
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        return context
    }
}

/// A zstd dictionary for one stream's columns, as stored. It holds only values that many
/// players' records share (see `DictionaryTrainer`), never one player's own values, so it is kept
/// for as long as the store and is not erased with records.
public struct StoredDictionary: Sendable, Equatable {
    /// zstd's dictionary id, as written in every frame compressed with it.
    public let id: UInt32
    public let stream: String
    public let bytes: Data

    public init(id: UInt32, stream: String, bytes: Data) {
        self.id = id
        self.stream = stream
        self.bytes = bytes
    }
}

/// A stored dictionary, digested.
struct PreparedDictionary: Sendable {
    let stored: StoredDictionary
    fileprivate let loaded: LoadedDictionary
}

/// A dictionary digested for compression and decompression.
private final class LoadedDictionary: @unchecked Sendable {
    let compression: OpaquePointer
    let decompression: OpaquePointer

    init(_ dictionary: StoredDictionary) throws {
        let digested = dictionary.bytes.withUnsafeBytes { bytes in
            (ZSTD_createCDict(bytes.baseAddress, bytes.count, ColumnCompressor.level), ZSTD_createDDict(bytes.baseAddress, bytes.count))
        }
        guard let compression = digested.0, let decompression = digested.1,
              ZSTD_getDictID_fromDDict(decompression) == dictionary.id else {
            digested.0.map { _ = ZSTD_freeCDict($0) }
            digested.1.map { _ = ZSTD_freeDDict($0) }
            throw StorageError(.corrupt, "compression dictionary \(dictionary.id) of stream \(dictionary.stream) is damaged")
        }
        self.compression = compression
        self.decompression = decompression
    }

    deinit {
        ZSTD_freeCDict(compression)
        ZSTD_freeDDict(decompression)
    }
}
