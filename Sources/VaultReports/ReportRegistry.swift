/// The templates the vault can file and recompute, by id.
public struct ReportRegistry: Sendable {
    public let templates: [any ReportTemplate]

    public init(_ templates: [any ReportTemplate]) { self.templates = templates }

    /// Every template of this release, in the order `regvault report templates` prints them.
    public static let standard = ReportRegistry([
        MGAB2CDailySummary(),
        MGAPlayerFundsMonthly(),
        MGAGamingTaxMonthly(),
        UKGCRegulatoryReturnQuarterly(),
        CuracaoCompliancePeriodic(),
        DKSafeEndOfDay(),
        AMLKYCMonthly(),
        PlayerActivityDaily(),
        GoAMLSuspiciousTransactionReport(),
    ])

    public func template(id: String) -> (any ReportTemplate)? { templates.first { $0.id == id } }

    /// The template `id` at `version`, for recomputing a filed report; nil if this release cannot make it.
    public func template(id: String, version: Int) -> (any ReportTemplate)? {
        template(id: id).flatMap { $0.version == version ? $0 : nil }
    }
}
