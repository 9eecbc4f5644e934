import Foundation
public import VaultFormat

/// The retention policies in force: one per jurisdiction plus the operator default. It decides a
/// record's retention class, mode and retain-until at ingest, and the rule behind a class when the
/// sweeper asks whether a record may expire.
///
/// The vault's own streams have fixed rules: accesses are kept for the operator default of seven
/// years; holds, retention changes, erasures and policies are kept for as long as the log exists,
/// because they are the evidence that everything else was kept and erased correctly.
public struct RetentionPolicySet: Sendable, Equatable {
    /// Sorted by policy id.
    public let policies: [RetentionPolicy]

    /// What a record gets at ingest.
    public struct Assignment: Sendable, Equatable {
        public let retentionClass: String
        public let mode: RetentionMode
        public let retainUntil: Int64

        /// The assignment with the mode and retain-until of a stored object's lock, which
        /// `ObjectLockRules` has already checked against this class's rule (the floor); the class stays.
        func locked(as request: (mode: RetentionMode, retainUntil: Int64)?) -> Assignment {
            guard let request else { return self }
            return Assignment(retentionClass: retentionClass, mode: request.mode, retainUntil: request.retainUntil)
        }
    }

    /// The class of the vault's own permanent evidence.
    public static let permanentClass = "vault.permanent"
    /// The class of access entries.
    public static let accessClass = "vault.access"
    /// Years the operator default and access entries are kept.
    public static let operatorDefaultYears = 7

    /// Checks that there is exactly one default policy (`*`) and at most one policy per jurisdiction,
    /// and that no two policies share a retention class.
    public init(_ policies: [RetentionPolicy]) throws(VaultError) {
        guard policies.filter({ $0.jurisdiction == "*" }).count == 1 else {
            throw VaultError(.invalidPolicy, "there must be exactly one default policy (jurisdiction \"*\")")
        }
        var jurisdictions: Set<String> = []
        var classes: Set<String> = []
        for policy in policies {
            guard jurisdictions.insert(policy.jurisdiction).inserted else {
                throw VaultError(.invalidPolicy, "two policies for jurisdiction \(policy.jurisdiction)")
            }
            for rule in policy.rules {
                guard classes.insert(rule.retentionClass).inserted else {
                    throw VaultError(.invalidPolicy, "retention class \(rule.retentionClass) is defined twice")
                }
            }
        }
        self.policies = policies.sorted { $0.id < $1.id }
    }

    /// The policies in force that `recorded` (the log's latest version of each) does not hold as
    /// they are: new ones and changed ones, which the writer records with its next batch.
    func unrecorded(given recorded: [RetentionPolicy]) -> [RetentionPolicy] {
        policies.filter { !recorded.contains($0) }
    }

    /// Reads every `*.json` file of `directory`.
    public static func load(directory: String) throws(VaultError) -> RetentionPolicySet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw VaultError(.invalidPolicy, "cannot read the retention policy directory \(directory): \(error.localizedDescription)")
        }
        var policies: [RetentionPolicy] = []
        for name in names {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw VaultError(.invalidPolicy, "cannot read \(path)")
            }
            let policy: RetentionPolicy
            do {
                policy = try RetentionPolicy(parsing: Array(data))
            } catch {
                throw VaultError(.invalidPolicy, "\(path): \(error.reason)")
            }
            guard policy.id + ".json" == name else {
                throw VaultError(.invalidPolicy, "\(path): policy is '\(policy.id)' but the file is named \(name)")
            }
            policies.append(policy)
        }
        return try RetentionPolicySet(policies)
    }

    /// The policy for a jurisdiction: its own, or the default.
    public func policy(jurisdiction: String) -> RetentionPolicy {
        policies.first { $0.jurisdiction == jurisdiction } ?? policies.first { $0.jurisdiction == "*" }!
    }

    /// The rule and policy that define a retention class, if a client class.
    public func rule(forClass retentionClass: String) -> (policy: RetentionPolicy, rule: RetentionPolicy.Rule)? {
        for policy in policies {
            if let rule = policy.rules.first(where: { $0.retentionClass == retentionClass }) { return (policy, rule) }
        }
        return nil
    }

    /// Retention for a record of `stream` and `jurisdiction` recorded at `recordedAt`. For a rule
    /// triggered by the end of the business relationship, retain-until is the earliest it could be
    /// (the period from recording); the sweeper also waits for the trigger.
    public func assign(stream: String, jurisdiction: String, recordedAt: Int64) -> Assignment {
        switch stream {
        case VaultStream.access.rawValue:
            return Assignment(retentionClass: RetentionPolicySet.accessClass, mode: .compliance,
                              retainUntil: Timestamp.addingYears(RetentionPolicySet.operatorDefaultYears, toMillis: recordedAt))
        case VaultStream.object.rawValue:
            // Stored objects are reports and documents: the report rule of their jurisdiction.
            return assign(stream: RecordSchema.Stream.report.rawValue, jurisdiction: jurisdiction, recordedAt: recordedAt)
        case _ where VaultStream(rawValue: stream) != nil:
            return Assignment(retentionClass: RetentionPolicySet.permanentClass, mode: .compliance, retainUntil: Int64.max)
        default:
            let policy = policy(jurisdiction: jurisdiction)
            // Every policy covers every client stream (checked when parsed); validated records name one.
            guard let rule = policy.rule(for: stream) else {
                preconditionFailure("policy \(policy.id) does not cover stream \(stream)")
            }
            return Assignment(retentionClass: rule.retentionClass, mode: rule.mode,
                              retainUntil: Timestamp.addingYears(rule.years, toMillis: recordedAt))
        }
    }

    /// Why the set `next` may not replace this one, if it may not. A change never shortens what
    /// records already stored are owed: every class in force stays (a class can be retired by
    /// giving it no streams), keeps its trigger, keeps or lengthens its period, and keeps or
    /// strengthens its mode. New classes may be added freely.
    public func refusalToReplace(with next: RetentionPolicySet) -> String? {
        for policy in policies {
            for rule in policy.rules {
                guard let (_, newRule) = next.rule(forClass: rule.retentionClass) else {
                    return "class \(rule.retentionClass) would disappear; retire it with \"streams\": [] instead"
                }
                if newRule.years < rule.years {
                    return "class \(rule.retentionClass) would shrink from \(rule.years) to \(newRule.years) years; "
                        + "give the new period a new class name"
                }
                if newRule.trigger != rule.trigger {
                    return "class \(rule.retentionClass) would change its trigger; give the new rule a new class name"
                }
                if rule.mode == .compliance && newRule.mode == .governance {
                    return "class \(rule.retentionClass) would weaken from compliance to governance mode"
                }
            }
        }
        return nil
    }

    /// The default policy set used when a vault is created without a policy directory: the
    /// operator default alone.
    public static let operatorDefault: RetentionPolicySet = {
        let streams = RecordSchema.Stream.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        let text = """
            {"policy":"default","jurisdiction":"*","title":"Operator default","version":"builtin","rules":[{"class":"default.all",\
            "streams":[\(streams)],"years":7,"trigger":"recorded","mode":"compliance",\
            "source":"Operator default: seven years from recording (modelled on SEC Rule 17a-4, 17 CFR 240.17a-4); not a legal requirement of any gambling regulator."}]}
            """
        // A constant that is checked by the tests.
        return try! RetentionPolicySet([RetentionPolicy(parsing: Array(text.utf8))])
    }()
}
