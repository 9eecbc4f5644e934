/// Writes one compact JSON object (no white space) with keys in the order they are added, which
/// is how generated records get their fixed key order.
struct CompactJSONWriter {
    private(set) var text = "{"
    private var empty = true

    private mutating func key(_ key: String) {
        if !empty { text += "," }
        empty = false
        text += "\""
        text += key
        text += "\":"
    }

    mutating func string(_ key: String, _ value: String) {
        self.key(key)
        CompactJSONWriter.appendQuoted(value, to: &text)
    }

    mutating func int(_ key: String, _ value: Int) {
        self.key(key)
        text += String(value)
    }

    mutating func bool(_ key: String, _ value: Bool) {
        self.key(key)
        text += value ? "true" : "false"
    }

    /// A money amount in cents, written as a decimal string with two decimals (`"250.00"`).
    mutating func amount(_ key: String, cents: Int) {
        string(key, CompactJSONWriter.decimal(cents: cents))
    }

    /// A number with two decimals from hundredths (`9620` → `96.2`), in its shortest form.
    mutating func number(_ key: String, hundredths: Int) {
        self.key(key)
        var text = CompactJSONWriter.decimal(cents: hundredths)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        self.text += text
    }

    mutating func strings(_ key: String, _ values: [String]) {
        self.key(key)
        text += "["
        for (i, value) in values.enumerated() {
            if i > 0 { text += "," }
            CompactJSONWriter.appendQuoted(value, to: &text)
        }
        text += "]"
    }

    /// A nested object written by `build`.
    mutating func object(_ key: String, _ build: (inout CompactJSONWriter) -> Void) {
        var nested = CompactJSONWriter()
        build(&nested)
        self.key(key)
        text += nested.finished()
    }

    func finished() -> String { text + "}" }

    static func decimal(cents: Int) -> String {
        let fraction = cents % 100
        return "\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
            text += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\t": text += "\\t"
                case "\r": text += "\\r"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        text.unicodeScalars.append(scalar)
                    }
                }
            }
        }
        text += "\""
    }
}
