import CHaru

/// Writes a report as a PDF with libharu: the title, the header lines, then the table, on as many
/// A4 landscape pages as it needs, each numbered. The document's creation date is the report's
/// generated-at and libharu writes no file identifier unless encrypting, so the same report gives
/// the same bytes.
enum ReportPDF {
    static func render(title: String, header: ReportHeader, table: CSVTable, generatedAt: Int64) throws(ReportError) -> [UInt8] {
        guard let pdf = HPDF_New(nil, nil) else { throw .pdf("libharu could not start a document") }
        defer { HPDF_Free(pdf) }
        HPDF_SetCompressionMode(pdf, UInt32(HPDF_COMP_ALL))
        HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, title)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "RegVault report templates")
        let date = pdfDate(millis: generatedAt)
        HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, date)
        HPDF_SetInfoDateAttr(pdf, HPDF_INFO_MOD_DATE, date)
        guard let regular = HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding"),
              let bold = HPDF_GetFont(pdf, "Helvetica-Bold", "WinAnsiEncoding") else { throw .pdf("no Helvetica font") }

        var layout = PageLayout(pdf: pdf, regular: regular, bold: bold, title: title)
        layout.newPage()
        layout.line(title, font: bold, size: 14, advance: 22)
        for (label, value) in header.lines { layout.line("\(label): \(value)", font: regular, size: 9, advance: 12) }
        layout.advance(10)
        let widths = columnWidths(table, regular: regular, bold: bold, usable: layout.usableWidth)
        layout.row(table.columns, widths: widths, font: bold)
        for row in table.rows { layout.row(row, widths: widths, font: regular, repeating: table.columns) }
        layout.finish()

        guard HPDF_SaveToStream(pdf) == HPDF_OK else { throw .pdf("libharu could not write the document") }
        let size = Int(HPDF_GetStreamSize(pdf))
        var bytes = [UInt8](repeating: 0, count: size)
        var read = UInt32(size)
        guard HPDF_ReadFromStream(pdf, &bytes, &read) == HPDF_OK || Int(read) == size, Int(read) == size else {
            throw .pdf("libharu could not hand over the document")
        }
        return bytes
    }

    /// Column widths in proportion to the widest text of each column, within the usable width.
    private static func columnWidths(_ table: CSVTable, regular: HPDF_Font, bold: HPDF_Font, usable: Float) -> [Float] {
        var widest = table.columns.map { width($0, font: bold, size: 8) }
        for row in table.rows {
            for (index, field) in row.enumerated() { widest[index] = max(widest[index], width(field, font: regular, size: 8)) }
        }
        let total = widest.reduce(0) { $0 + $1 + 8 }
        let scale = total > usable ? usable / total : 1
        return widest.map { ($0 + 8) * scale }
    }

    static func width(_ text: String, font: HPDF_Font, size: Float) -> Float {
        Float(HPDF_Font_TextWidth(font, text, UInt32(text.utf8.count)).width) * size / 1000
    }

    /// `D:YYYYMMDDHHmmSS` parts of a UTC time.
    private static func pdfDate(millis: Int64) -> HPDF_Date {
        let text = utcText(millis: millis)
        func number(_ from: Int, _ count: Int) -> Int32 {
            Int32(text.dropFirst(from).prefix(count)) ?? 0
        }
        return HPDF_Date(year: number(0, 4), month: number(5, 2), day: number(8, 2), hour: number(11, 2), minutes: number(14, 2),
                         seconds: number(17, 2), ind: CChar(UInt8(ascii: "Z")), off_hour: 0, off_minutes: 0)
    }
}

/// Places lines and table rows top to bottom, starting a new page when one is full.
private struct PageLayout {
    let pdf: HPDF_Doc
    let regular: HPDF_Font
    let bold: HPDF_Font
    let title: String
    var page: HPDF_Page?
    var y: Float = 0
    var pageNumber = 0
    let margin: Float = 40
    let width: Float = 842, height: Float = 595

    init(pdf: HPDF_Doc, regular: HPDF_Font, bold: HPDF_Font, title: String) {
        (self.pdf, self.regular, self.bold, self.title) = (pdf, regular, bold, title)
    }

    var usableWidth: Float { width - 2 * margin }

    mutating func newPage() {
        finish()
        page = HPDF_AddPage(pdf)
        HPDF_Page_SetWidth(page, width)
        HPDF_Page_SetHeight(page, height)
        pageNumber += 1
        y = height - margin
    }

    /// Writes the page number at the foot of the current page.
    mutating func finish() {
        guard let page else { return }
        text(page, "\(title): page \(pageNumber)", x: margin, y: margin / 2, font: regular, size: 7)
        self.page = nil
    }

    mutating func advance(_ points: Float) { y -= points }

    mutating func line(_ string: String, font: HPDF_Font, size: Float, advance points: Float) {
        if y - points < margin { newPage() }
        y -= points
        text(page!, string, x: margin, y: y, font: font, size: size)
    }

    mutating func row(_ fields: [String], widths: [Float], font: HPDF_Font, repeating columns: [String]? = nil) {
        if y - 11 < margin {
            newPage()
            if let columns { row(columns, widths: widths, font: bold) }
        }
        y -= 11
        var x = margin
        for (index, field) in fields.enumerated() {
            text(page!, field, x: x, y: y, font: font, size: 8)
            x += widths[index]
        }
    }

    private func text(_ page: HPDF_Page, _ string: String, x: Float, y: Float, font: HPDF_Font, size: Float) {
        HPDF_Page_BeginText(page)
        HPDF_Page_SetFontAndSize(page, font, size)
        HPDF_Page_TextOut(page, x, y, ReportPDF.winAnsi(string))
        HPDF_Page_EndText(page)
    }
}

extension ReportPDF {
    /// The text in the PDF's WinAnsi encoding as a C string: Latin-1 characters as themselves, the
    /// rest as `?` (report fields are ASCII; names in other scripts belong in the CSV or XML).
    static func winAnsi(_ string: String) -> [CChar] {
        var bytes: [CChar] = string.unicodeScalars.map { $0.value < 0x100 && $0.value >= 0x20 ? CChar(bitPattern: UInt8($0.value)) : 0x3F }
        bytes.append(0)
        return bytes
    }
}
