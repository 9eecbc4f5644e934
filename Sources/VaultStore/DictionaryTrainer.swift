internal import CZstd
import Foundation
import VaultJSON

/// Trains one zstd dictionary per stream from the first records the store commits of it: their
/// bodies and their diffs, both of which the dictionary then compresses.
///
/// A record of a few hundred bytes compresses poorly alone; most of it (member names, the stream,
/// kinds, statuses, jurisdictions) repeats in every record of its stream, and a dictionary holding
/// that vocabulary roughly halves what each record costs. A diff's vocabulary (`"op":"replace"`,
/// the paths a stream's changes touch) is its own, which a dictionary of bodies alone does not
/// hold: sampling diffs too halves what a stored diff costs.
///
/// What a dictionary may hold: a dictionary is kept for as long as the store (every frame
/// compressed with it needs it), so it must not keep anything that retention will erase. Counts are
/// of distinct *subjects*: a record's player when it names one, else its entity (one player's
/// hundred payments are one subject). Before training, every sample is reduced to its shared
/// vocabulary: a member is kept only when records of at least `sharedAcross` subjects have a member
/// at that path, and a string or number only when records of that many subjects hold that same
/// value there. Any other string becomes a pattern: its longest prefix that records of that many
/// subjects share at that path, then the shape of the rest (ASCII digits `0`, ASCII letters `a` or
/// `A`, other ASCII characters as they are, any other character `a`: `p-0004248` becomes
/// `p-0000000` when only `p-` is common), and the pattern is kept only when that many subjects'
/// values have it too, else the string becomes `""`; any other number becomes `0`. So a player id,
/// an IBAN, a name, an amount or a timestamp reaches the trainer only as a pattern that at least
/// `sharedAcross` players have in common. Keeping the patterns matters: with every such string
/// reduced to `""`, the synthetic operator's bodies compressed to about twice the size.
///
/// Not thread-safe: the store's writer owns it.
struct DictionaryTrainer: Sendable {
    /// Samples a stream needs before its dictionary is trained.
    static let sampleCount = 2_000
    /// The dictionary's size: about a hundredth of the samples, as zstd advises.
    static let dictionaryBytes = 16 * 1024
    /// Distinct subjects whose records must share a member, value or pattern for it to be kept.
    static let sharedAcross = 16
    /// Streams sampled at once; the others wait until one of these has its dictionary.
    static let maxStreamsSampled = 64

    private var samples: [String: [(subject: String, body: JSONValue)]] = [:]
    /// Streams whose training failed in this process (too little variety, say): not tried again
    /// until the store is opened again.
    private var gaveUp: Set<String> = []

    /// Keeps `column` (the canonical JSON of a body or a diff) of a record of `stream` about
    /// `subject` (its player, or else its entity) as a sample when the stream still needs some;
    /// returns true when the stream now has enough to train.
    mutating func offer(_ column: Data, stream: String, subject: String) -> Bool {
        guard !gaveUp.contains(stream) else { return false }
        if samples[stream] == nil, samples.count >= DictionaryTrainer.maxStreamsSampled { return false }
        guard let parsed = try? JSONParser.parse(Array(column)) else { return false }
        samples[stream, default: []].append((subject, parsed))
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

/// The members, values, string prefixes and patterns that records of at least
/// `DictionaryTrainer.sharedAcross` distinct subjects share, by path (array positions do not count:
/// `/games/*/id`).
///
/// Cost: linear in the samples' size. Each path's string prefixes are counted in a trie (one step
/// per character), not as one key per prefix, which made counting and matching them quadratic in a
/// string's length; subjects are counted as numbers.
private struct SharedVocabulary {
    /// String prefixes longer than this are not counted (nor kept).
    static let maxPrefixLength = 48

    private var memberSubjects: [String: Set<Int>] = [:]
    private var valueSubjects: [String: Set<Int>] = [:]
    private var prefixes: [String: PrefixTrie] = [:]
    private var patternSubjects: [String: Set<Int>] = [:]

    init(_ samples: [(subject: String, body: JSONValue)]) {
        var numbers: [String: Int] = [:]
        let subjects = samples.map { sample in
            if let number = numbers[sample.subject] { return number }
            numbers[sample.subject] = numbers.count
            return numbers.count - 1
        }
        for (sample, subject) in zip(samples, subjects) { count(sample.body, path: "", subject: subject) }
        // Second pass: which patterns (shared prefix and shape) enough subjects have in common.
        for (sample, subject) in zip(samples, subjects) { countPatterns(sample.body, path: "", subject: subject) }
    }

    /// `value` with members, values and patterns not shared by enough subjects taken out.
    func reduced(_ value: JSONValue, path: String = "") -> JSONValue {
        switch value {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, member) in members {
                let memberPath = path + "/" + key
                if shared(memberSubjects[memberPath]) { kept[key] = reduced(member, path: memberPath) }
            }
            return .object(kept)
        case .array(let elements):
            return .array(elements.map { reduced($0, path: path + "/*") })
        case .string(let text):
            if shared(valueSubjects[SharedVocabulary.key(path, value)]) { return value }
            let pattern = pattern(of: text, path: path)
            return shared(patternSubjects[SharedVocabulary.patternKey(path, pattern)]) ? .string(pattern) : .string("")
        case .number:
            return shared(valueSubjects[SharedVocabulary.key(path, value)]) ? value : .number(JSONNumber(0))
        case .bool, .null:
            return value
        }
    }

    private mutating func count(_ value: JSONValue, path: String, subject: Int) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                let memberPath = path + "/" + key
                SharedVocabulary.count(subject, in: &memberSubjects[memberPath, default: []])
                count(member, path: memberPath, subject: subject)
            }
        case .array(let elements):
            for element in elements { count(element, path: path + "/*", subject: subject) }
        case .string(let text):
            SharedVocabulary.count(subject, in: &valueSubjects[SharedVocabulary.key(path, value), default: []])
            prefixes[path, default: PrefixTrie()].insert(SharedVocabulary.countedPrefix(of: Array(text.unicodeScalars)),
                                                       subject: subject)
        case .number:
            SharedVocabulary.count(subject, in: &valueSubjects[SharedVocabulary.key(path, value), default: []])
        case .bool, .null:
            break
        }
    }

    private mutating func countPatterns(_ value: JSONValue, path: String, subject: Int) {
        switch value {
        case .object(let members):
            for (key, member) in members { countPatterns(member, path: path + "/" + key, subject: subject) }
        case .array(let elements):
            for element in elements { countPatterns(element, path: path + "/*", subject: subject) }
        case .string(let text):
            let key = SharedVocabulary.patternKey(path, pattern(of: text, path: path))
            SharedVocabulary.count(subject, in: &patternSubjects[key, default: []])
        case .number, .bool, .null:
            break
        }
    }

    /// `text`'s longest shared prefix at `path`, followed by the shape of the rest.
    private func pattern(of text: String, path: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let kept = prefixes[path]?.sharedLength(of: SharedVocabulary.countedPrefix(of: scalars),
                                                 across: DictionaryTrainer.sharedAcross) ?? 0
        var result = String.UnicodeScalarView(scalars[..<kept])
        for scalar in scalars[kept...] { result.append(SharedVocabulary.shape(of: scalar)) }
        return String(result)
    }

    /// The part of a string whose prefixes are counted: all but its last character (a prefix is
    /// never the whole string), at most `maxPrefixLength` of them.
    private static func countedPrefix(of scalars: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        scalars.dropLast().prefix(maxPrefixLength)
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

    private func shared(_ subjects: Set<Int>?) -> Bool {
        (subjects?.count ?? 0) >= DictionaryTrainer.sharedAcross
    }

    /// Counts `subject` in `subjects` until they are `DictionaryTrainer.sharedAcross`: `shared`
    /// asks no more, and most members, values and short prefixes reach it within the first samples,
    /// after which counting one is a comparison, not a hash and an insert.
    fileprivate static func count(_ subject: Int, in subjects: inout Set<Int>) {
        if subjects.count < DictionaryTrainer.sharedAcross { subjects.insert(subject) }
    }

    private static func key(_ path: String, _ value: JSONValue) -> String {
        path + "\u{0}" + String(decoding: value.canonicalBytes, as: UTF8.self)
    }

    private static func patternKey(_ path: String, _ pattern: String) -> String {
        path + "\u{1}" + pattern
    }
}

/// The prefixes of the strings seen at one path, each with the subjects whose strings begin with
/// it (counted up to `DictionaryTrainer.sharedAcross`): node 0 is the empty prefix, and each
/// other node one character more than its parent.
private struct PrefixTrie {
    private var children: [[Unicode.Scalar: Int]] = [[:]]
    private var subjects: [Set<Int>] = [[]]

    /// Counts `subject` for every non-empty prefix of `scalars`.
    mutating func insert(_ scalars: ArraySlice<Unicode.Scalar>, subject: Int) {
        var node = 0
        for scalar in scalars {
            if let child = children[node][scalar] {
                node = child
            } else {
                children.append([:])
                subjects.append([])
                children[node][scalar] = children.count - 1
                node = children.count - 1
            }
            SharedVocabulary.count(subject, in: &subjects[node])
        }
    }

    /// The length of the longest prefix of `scalars` that strings of at least `threshold` subjects
    /// (at most `DictionaryTrainer.sharedAcross`, as many as are counted) begin with. A prefix's
    /// subjects include those of every longer one, so the first prefix short of `threshold` ends
    /// the search.
    func sharedLength(of scalars: ArraySlice<Unicode.Scalar>, across threshold: Int) -> Int {
        var node = 0
        var length = 0
        for scalar in scalars {
            guard let child = children[node][scalar], subjects[child].count >= threshold else { break }
            node = child
            length += 1
        }
        return length
    }
}
