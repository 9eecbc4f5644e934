/// Values by sequence number: an array while the seqs are dense from 0 (a full export, millions
/// of entries, read in order), a dictionary for the rest (a partial export, or a hostile archive
/// whose seqs jump).
struct SeqTable<Value> {
    /// How far past the dense part a seq may be and still extend it.
    private static var denseReach: Int64 { 1 << 17 }
    private var dense: [Value?] = []
    private var sparse: [Int64: Value] = [:]
    private(set) var count = 0

    subscript(seq: Int64) -> Value? {
        if seq >= 0, seq < Int64(dense.count), let value = dense[Int(seq)] { return value }
        return sparse[seq]
    }

    /// Stores `value` at `seq`; false (and nothing stored) if there is one already.
    mutating func insert(_ value: Value, at seq: Int64) -> Bool {
        guard self[seq] == nil else { return false }
        if seq >= 0, seq < Int64(dense.count) + SeqTable.denseReach {
            if seq >= Int64(dense.count) {
                dense.append(contentsOf: repeatElement(nil, count: Int(seq) - dense.count + 1))
            }
            dense[Int(seq)] = value
        } else {
            sparse[seq] = value
        }
        count += 1
        return true
    }

    /// Every seq that has a value, ascending.
    var seqs: [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        for (index, value) in dense.enumerated() where value != nil { out.append(Int64(index)) }
        return (out + sparse.keys).sorted()
    }

    /// Calls `body` with every seq and value (dense part in order, then the rest).
    func forEach(_ body: (Int64, Value) -> Void) {
        for (index, value) in dense.enumerated() { if let value { body(Int64(index), value) } }
        for (seq, value) in sparse { body(seq, value) }
    }
}
