extension OperatorSimulation {
    /// Adds today's totals to the month and quarter.
    mutating func closeDay() {
        month += today
        quarter += today
    }

    /// Files the reports due at the start of today: the daily summary of yesterday (00:05), and
    /// when a calendar month or quarter ended at midnight, its report (00:15, 00:30), but only for
    /// a period the scenario covered from its first day. Totals count the records generated with
    /// `occurredAt` in the period (reports themselves excluded).
    mutating func fileReports() {
        let aligned = scenario.startMillis % CivilTime.millisPerDay == 0
        let date = CivilTime.date(millis: dayStartMillis)
        if day > 0 {
            let from = dayStartMillis - CivilTime.millisPerDay
            writeReport(id: "daily-" + CivilTime.dayText(millis: from), kind: "daily_summary", from: from, totals: today, second: 300)
            if aligned, date.day == 1 {
                let (year, monthNumber) = date.month == 1 ? (date.year - 1, 12) : (date.year, date.month - 1)
                if monthCovered {
                    let from = Int64(CivilTime.days(year: year, month: monthNumber, day: 1)) * CivilTime.millisPerDay
                    writeReport(id: "monthly-\(year)-\(CivilTime.twoDigits(monthNumber))", kind: "monthly_summary", from: from,
                                totals: month, second: 900)
                }
                if date.month % 3 == 1, quarterCovered {
                    let firstMonth = monthNumber - 2
                    let from = Int64(CivilTime.days(year: year, month: firstMonth, day: 1)) * CivilTime.millisPerDay
                    writeReport(id: "quarterly-\(year)-Q\((firstMonth + 2) / 3)", kind: "quarterly_summary", from: from,
                                totals: quarter, second: 1800)
                }
            }
        }
        if date.day == 1 {
            month = PeriodTotals()
            monthCovered = aligned
            if date.month % 3 == 1 {
                quarter = PeriodTotals()
                quarterCovered = aligned
            }
        }
        today = PeriodTotals()
    }

    private mutating func writeReport(id: String, kind: String, from: Int64, totals: PeriodTotals, second: Int) {
        let currency = scenario.currency
        let to = dayStartMillis
        record(at: second, stream: "report", entity: ("report", id), action: "create", actor: .reporting,
               jurisdiction: scenario.operatorJurisdiction) { s in
            s.string("kind", kind)
            s.object("period") { p in
                p.string("from", iso8601(from))
                p.string("to", iso8601(to))
            }
            s.string("currency", currency)
            s.object("totals") { t in
                t.int("registrations", totals.registrations)
                t.int("deposits", totals.deposits)
                t.int("depositsApproved", totals.depositsApproved)
                t.amount("depositAmount", cents: totals.depositCents)
                t.int("withdrawals", totals.withdrawals)
                t.int("withdrawalsApproved", totals.withdrawalsApproved)
                t.amount("withdrawalAmount", cents: totals.withdrawalCents)
                t.int("kycPassed", totals.kycPassed)
                t.int("kycFailed", totals.kycFailed)
                t.int("selfExclusions", totals.selfExclusions)
                t.int("amlAlerts", totals.amlAlerts)
                t.int("incidents", totals.incidents)
            }
            s.string("status", "filed")
        }
    }
}
