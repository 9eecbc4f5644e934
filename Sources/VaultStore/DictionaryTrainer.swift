internal import CZstd
import Foundation
import VaultJSON

/// Trains one zstd dictionary per stream from the first records the store commits of it.
///
/// A record of a few hundred bytes compresses poorly alone; most of it (member names, the stream,
/// kinds, statuses, jurisdictions) repeats in every record of its stream, and a dictionary holding
/// that vocabulary roughly halves what each record costs.
///
/// What a dictionary may hold: a dictionary is kept for as long as the store (every frame
/// compressed with it needs it), so it must not keep anything that retention will erase. Before
/// training, every sample is reduced to its shared vocabulary: a member is kept only when records
/// of at least `sharedAcross` distinct entities have a member at that path, and a string or number
/// only when records of that many entities hold that same value there. Any other string keeps only
/// its longest prefix that records of that many entities share at that path, and the rest becomes
/// its shape: ASCII digits `0`, ASCII letters `a` or `A`, other ASCII characters as they are, any
/// other character `a` (`p-0004248` becomes `p-0000000` when only `p-` is common); any other
/// number becomes `0`. So an
/// event id, a player id, a name, an amount or a timestamp reaches the trainer only as a pattern
/// that at least `sharedAcross` entities have in common. Keeping the patterns matters: with every
/// such string reduced to `""`, the synthetic operator's bodies compressed to about twice the size.
///
/// Not thread-safe: the store's writer owns it.
struct DictionaryTrainer: Sendable {
    /// Samples a stream needs before its dictionary is trained.
    static let sampleCount = 2_000
    /// The dictionary's size: about a hundredth of the samples, as zstd advises.
    static let dictionaryBytes = 16 * 1024
    /// Distinct entities whose records must share a member or value for it to be kept.
    static let sharedAcross = 16
    /// Streams sampled at once; the others wait until one of these has its dictionary.
    static let maxStreamsSampled = 64

    private var samples: [String: [(entityId: String, body: JSONValue)]] = [:]
    /// Streams whose training failed in this process (too little variety, say): not tried again
    /// until the store is opened again.
    private var gaveUp: Set<String> = []

    /// Keeps `body`, a record of `stream` about `entityId`, as a sample when the stream still needs
    /// some; returns true when the stream now has enough to train.
    mutating func offer(_ body: Data, stream: String, entityId: String) -> Bool {
        guard !gaveUp.contains(stream) else { return false }
        if samples[stream] == nil, samples.count >= DictionaryTrainer.maxStreamsSampled { return false }
        guard let parsed = try? JSONParser.parse(Array(body)) else { return false }
        samples[stream, default: []].append((entityId, parsed))
        return samples[stream]!.count >= DictionaryTrainer.sampleCount
    }

    /// Trains `stream`'s dictionary from its samples and forgets them; nil (and the stream is not
    /// tried again) when zstd cannot make one from them, or its id is one `isTaken` already.
    mutating func train(stream: String, isTaken: (UInt32) -> Bool) -> StoredDictionary? {
        guard let taken = samples.removeValue(forKey: stream) else { return nil }
        let vocabulary = SharedVocabulary(taken)
        var flat: [UInt8] = []
        var sizes: [Int] = []
        for sample in taken {
            let bytes = vocabulary.reduced(sample.body).canonicalBytes
            flat += bytes
            sizes.append(bytes.count)
        }
        var dictionary = [UInt8](repeating: 0, count: DictionaryTrainer.dictionaryBytes)
        let size = ZDICT_trainFromBuffer(&dictionary, dictionary.count, flat, sizes, UInt32(sizes.count))
        let id = ZDICT_isError(size) == 0 ? ZDICT_getDictID(dictionary, size) : 0
        guard id != 0, !isTaken(id) else {
            gaveUp.insert(stream)
            return nil
        }
        return StoredDictionary(id: id, stream: stream, bytes: Data(dictionary[..<size]))
    }

    /// Forgets the samples of a stream that has a dictionary.
    mutating func settle(_ stream: String) {
        samples[stream] = nil
        gaveUp.insert(stream)
    }
}

/// The members, values and string prefixes that records of at least `DictionaryTrainer.sharedAcross`
/// distinct entities share, by path (array positions do not count: `/games/*/id`).
private struct SharedVocabulary {
    /// String prefixes longer than this are not counted (nor kept).
    static let maxPrefixLength = 48

    private var memberEntities: [String: Set<String>] = [:]
    private var valueEntities: [String: Set<String>] = [:]
    private var prefixEntities: [String: Set<String>] = [:]

    init(_ samples: [(entityId: String, body: JSONValue)]) {
        for sample in samples { count(sample.body, path: "", entity: sample.entityId) }
    }

    /// `value` with members and values not shared by enough entities taken out.
    func reduced(_ value: JSONValue, path: String = "") -> JSONValue {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, member) in members {
                let memberPath = path + "/" + key
                if shared(memberEntities[memberPath]) { kept[key] = reduced(member, path: memberPath) }
            }
            return .object(kept)
        case .array(let elements):
            return .array(elements.map { reduced($0, path: path + "/*") })
        case .string(let text):
            return shared(valueEntities[SharedVocabulary.key(path, value)]) ? value : .string(pattern(of: text, path: path))
        case .number:
            return shared(valueEntities[SharedVocabulary.key(path, value)]) ? value : .number(JSONNumber(0))
        case .bool, .null:
            return value
        }
    }

    private mutating func count(_ value: JSONValue, path: String, entity: String) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let memberPath = path + "/" + key
                memberEntities[memberPath, default: []].insert(entity)
                count(member, path: memberPath, entity: entity)
            }
        case .array(let elements):
            for element in elements { count(element, path: path + "/*", entity: entity) }
        case .string(let text):
            valueEntities[SharedVocabulary.key(path, value), default: []].insert(entity)
            var prefix = ""
            for scalar in text.unicodeScalars.dropLast().prefix(SharedVocabulary.maxPrefixLength) {
                prefix.unicodeScalars.append(scalar)
                prefixEntities[SharedVocabulary.prefixKey(path, prefix), default: []].insert(entity)
            }
        case .number:
            valueEntities[SharedVocabulary.key(path, value), default: []].insert(entity)
        case .bool, .null:
            break
        }
    }

    /// `text`'s longest shared prefix at `path`, followed by the shape of the rest.
    private func pattern(of text: String, path: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var kept = min(scalars.count - 1, SharedVocabulary.maxPrefixLength)
        while kept > 0, !shared(prefixEntities[SharedVocabulary.prefixKey(path, String(String.UnicodeScalarView(scalars[..<kept])))]) {
            kept -= 1
        }
        var result = String.UnicodeScalarView(scalars[..<max(kept, 0)])
        for scalar in scalars[max(kept, 0)...] { result.append(SharedVocabulary.shape(of: scalar)) }
        return String(result)
    }

    /// A character's class: `0` for an ASCII digit, `a`/`A` for an ASCII letter, other ASCII as it
    /// is, and `a` for anything else.
    private static func shape(of scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar {
        case "0"..."9": "0"
        case "a"..."z": "a"
        case "A"..."Z": "A"
        case _ where scalar.isASCII: scalar
        default: "a"
        }
    }

    private func shared(_ entities: Set<String>?) -> Bool {
        (entities?.count ?? 0) >= DictionaryTrainer.sharedAcross
    }

    private static func key(_ path: String, _ value: JSONValue) -> String {
        path + "\u{0}" + String(decoding: value.canonicalBytes, as: UTF8.self)
    }

    private static func prefixKey(_ path: String, _ prefix: String) -> String {
        path + "\u{1}" + prefix
    }
}
