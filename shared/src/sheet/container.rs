//! The xlsx container, inspected before calamine opens it. An xlsx file is a zip of XML parts,
//! and calamine trusts what they declare: it reserves as many shared strings as
//! `sharedStrings.xml` announces and inflates every part it reads whole. So every part is
//! inflated here first, through a reader capped by the [`Limits`], and its XML scanned once
//! with quick-xml: the shared-strings table's declared and actual size, the depth of the XML,
//! and every cell reference calamine will parse (`<dimension ref>`, `<row r>`, `<c r>`).
//! Which cells a sheet holds, and how many rows and columns, is checked while it is read
//! ([`super::read`]): only cells with a value count, as only those are kept.

use std::borrow::Cow;
use std::io::{self, BufReader, Cursor, Read};

use calamine::{Reader as _, Xlsx, XlsxError};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::{Limits, SheetError};

/// Refuses an xlsx file that passes one of `limits` or whose cell references are not Excel's;
/// reads every part to its end, so nothing calamine reads afterwards is unbounded.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let mut zip = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(zip) => zip,
        // A password-protected xlsx is an OLE compound file around the encrypted zip: calamine
        // tells it from other files that are no zip (and, their zip failing as here, reads
        // nothing of them).
        Err(error) => {
            return Err(match Xlsx::new(Cursor::new(bytes)) {
                Err(XlsxError::Password) => SheetError::Encrypted,
                _ => malformed(error),
            });
        }
    };
    if zip.len() > limits.parts {
        return Err(SheetError::TooManyParts(limits.parts));
    }
    let mut inflated = 0;
    for index in 0..zip.len() {
        let part = zip.by_index(index).map_err(malformed)?;
        let xml = is_xml(&part.name().map_err(malformed)?);
        let mut part = Capped::new(part, limits, inflated);
        let read = if xml {
            scan(BufReader::new(&mut part), limits)
        } else {
            io::copy(&mut part, &mut io::sink())
                .map(drop)
                .map_err(malformed)
        };
        read.map_err(|e| part.refusal().unwrap_or(e))?;
        inflated += part.read;
    }
    Ok(())
}

/// A part calamine may parse: the XML parts and their relationships. Pictures and other
/// binary parts are inflated only to be counted.
fn is_xml(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".xml") || name.ends_with(".rels")
}

/// A part inflated through a cap: it ends one byte past what the limits leave, so a part
/// that passes them is seen to, whatever size its header declares.
struct Capped<R> {
    inner: io::Take<R>,
    read: u64,
    cap: u64,
    /// The limit the cap stands for.
    limit: Limit,
}

/// Which limit a part's cap is: its own size, or what is left of the whole file's.
#[derive(Clone, Copy)]
enum Limit {
    Part(u64),
    File(u64),
}

impl<R: Read> Capped<R> {
    fn new(part: R, limits: &Limits, inflated_before: u64) -> Self {
        let left = limits.inflated_bytes.saturating_sub(inflated_before);
        let (cap, limit) = if left < limits.part_bytes {
            (left, Limit::File(limits.inflated_bytes))
        } else {
            (limits.part_bytes, Limit::Part(limits.part_bytes))
        };
        Capped {
            inner: part.take(cap + 1),
            read: 0,
            cap,
            limit,
        }
    }

    /// The refusal when the part passed its cap: whatever else went wrong reading it then
    /// (a cut XML element, a checksum) follows from the cut.
    fn refusal(&self) -> Option<SheetError> {
        (self.read > self.cap).then_some(match self.limit {
            Limit::Part(bytes) => SheetError::PartTooLarge(bytes),
            Limit::File(bytes) => SheetError::InflatedTooLarge(bytes),
        })
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(io::Error::other("part over its cap"));
        }
        Ok(n)
    }
}

/// Reads one XML part to its end, refusing it at the first thing past the limits.
fn scan(part: impl io::BufRead, limits: &Limits) -> Result<(), SheetError> {
    let mut xml = Reader::from_reader(part);
    // As calamine reads it: an end tag need not repeat its start tag's name.
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut shared_strings = 0u64;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(malformed)? {
            Event::Start(element) => {
                depth += 1;
                if depth > limits.depth {
                    return Err(SheetError::TooDeep(limits.depth));
                }
                check(&element, limits, &mut shared_strings)?;
            }
            Event::Empty(element) => check(&element, limits, &mut shared_strings)?,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Checks one element: the shared-strings table's declared counts and its entries, and the
/// cell references of a sheet.
fn check(
    element: &BytesStart,
    limits: &Limits,
    shared_strings: &mut u64,
) -> Result<(), SheetError> {
    match element.local_name().as_ref() {
        "sst" => {
            for name in ["count", "uniqueCount"] {
                if let Some(count) = attribute(element, name)? {
                    match count.parse::<u64>() {
                        Ok(n) if n <= limits.shared_strings => {}
                        Ok(_) => {
                            return Err(SheetError::TooManySharedStrings(limits.shared_strings));
                        }
                        Err(_) => {
                            return Err(SheetError::Malformed(format!(
                                "{name} '{}'",
                                shown(&count)
                            )));
                        }
                    }
                }
            }
        }
        "si" => {
            *shared_strings += 1;
            if *shared_strings > limits.shared_strings {
                return Err(SheetError::TooManySharedStrings(limits.shared_strings));
            }
        }
        "dimension" => {
            if let Some(range) = attribute(element, "ref")? {
                for cell in range.split(':') {
                    cell_position(cell).ok_or_else(|| bad_reference(&range))?;
                }
            }
        }
        "row" => {
            if let Some(row) = attribute(element, "r")? {
                row_number(&row).ok_or_else(|| bad_reference(&row))?;
            }
        }
        "c" => {
            if let Some(cell) = attribute(element, "r")? {
                cell_position(&cell).ok_or_else(|| bad_reference(&cell))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn attribute<'a>(element: &'a BytesStart, name: &str) -> Result<Option<Cow<'a, str>>, SheetError> {
    let found = element.try_get_attribute(name).map_err(malformed)?;
    Ok(found.map(|a| a.value))
}

/// Excel's grid: columns A to XFD, rows 1 to 1,048,576.
const LAST_COLUMN: u32 = 16_384;
const LAST_ROW: u32 = 1_048_576;

/// The (row, column) of an A1-style reference inside Excel's grid, both from 1.
fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let digits = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, row) = reference.split_at(digits);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let column = letters.bytes().fold(0, |n, c| {
        n * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1
    });
    (column <= LAST_COLUMN).then_some(())?;
    Some((row_number(row)?, column))
}

/// A row number inside Excel's grid.
fn row_number(row: &str) -> Option<u32> {
    if row.is_empty() || row.len() > 7 || !row.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    row.parse().ok().filter(|r| (1..=LAST_ROW).contains(r))
}

/// A value from the file as a message shows it: short, whatever the file holds.
fn shown(value: &str) -> String {
    value.chars().take(24).filter(|c| !c.is_control()).collect()
}

fn bad_reference(reference: &str) -> SheetError {
    SheetError::BadReference(shown(reference))
}

fn malformed(error: impl std::fmt::Display) -> SheetError {
    SheetError::Malformed(error.to_string())
}

#[cfg(test)]
pub(super) mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    /// An xlsx package of the given parts, deflated.
    pub fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    const MAIN: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// A workbook of one sheet, "Data", whose `<sheetData>` holds `rows`, and a shared-strings
    /// part when `strings` is given.
    pub fn workbook(rows: &str, strings: Option<&str>) -> Vec<u8> {
        let package_rels = format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let book = format!(
            r#"<workbook {MAIN} xmlns:r="{RELS}"><sheets><sheet name="Data" sheetId="1" r:id="r1"/></sheets></workbook>"#
        );
        let book_rels = format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        );
        let sheet = format!("<worksheet {MAIN}><sheetData>{rows}</sheetData></worksheet>");
        let strings = strings.map(|s| format!("<sst {MAIN} {s}</sst>"));
        let mut parts = vec![
            ("_rels/.rels", package_rels.as_bytes()),
            ("xl/workbook.xml", book.as_bytes()),
            ("xl/_rels/workbook.xml.rels", book_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ];
        if let Some(strings) = &strings {
            parts.push(("xl/sharedStrings.xml", strings.as_bytes()));
        }
        package(&parts)
    }

    /// `<sst` attributes and entries.
    fn strings(attributes: &str, entries: &str) -> String {
        format!("{attributes}>{entries}")
    }

    fn inspected(file: &[u8]) -> Result<(), SheetError> {
        inspect(file, &Limits::UPLOAD)
    }

    #[test]
    fn a_workbook_as_excel_writes_it_passes() {
        let table = crate::sheet::Table {
            name: "Pelanggan",
            headers: vec!["Nama", "No HP"],
            rows: vec![vec![
                crate::sheet::Cell::Text("Budi".into()),
                crate::sheet::Cell::Number(812.0),
            ]],
        };
        let file = crate::sheet::write(&table, crate::sheet::Format::Xlsx).unwrap();
        inspected(&file).unwrap();
        let far = r#"<row r="1048576"><c r="XFD1048576" s="1"/></row>"#;
        inspected(&workbook(
            far,
            Some(&strings(
                r#"count="1" uniqueCount="1""#,
                "<si><t>a</t></si>",
            )),
        ))
        .unwrap();
    }

    #[test]
    fn declared_shared_strings_past_the_limit_are_refused_before_any_is_read() {
        for count in ["300000000000000000", "1152921504606846976", "320065"] {
            let declared = format!(r#"count="1" uniqueCount="{count}""#);
            let error = inspected(&workbook("", Some(&strings(&declared, "")))).unwrap_err();
            assert!(
                matches!(error, SheetError::TooManySharedStrings(320_064)),
                "{count}: {error}"
            );
        }
        let error =
            inspected(&workbook("", Some(&strings(r#"uniqueCount="-1""#, "")))).unwrap_err();
        assert!(matches!(error, SheetError::Malformed(_)), "{error}");
        let held = "<si><t/></si>".repeat(320_065);
        let error =
            inspected(&workbook("", Some(&strings(r#"uniqueCount="1""#, &held)))).unwrap_err();
        assert!(
            matches!(error, SheetError::TooManySharedStrings(_)),
            "{error}"
        );
    }

    #[test]
    fn parts_and_their_inflated_size_are_capped() {
        let limits = Limits {
            parts: 3,
            part_bytes: 1000,
            inflated_bytes: 1500,
            ..Limits::UPLOAD
        };
        let part = vec![b'a'; 800];
        let over_part = vec![b'a'; 1001];
        let at_part = vec![b'a'; 1000];
        assert!(inspect(&package(&[("a", &part)]), &limits).is_ok());
        assert!(inspect(&package(&[("a", &at_part)]), &limits).is_ok());
        assert!(matches!(
            inspect(&package(&[("a", &over_part)]), &limits),
            Err(SheetError::PartTooLarge(1000))
        ));
        assert!(matches!(
            inspect(&package(&[("a", &part), ("b.xml", &part)]), &limits),
            Err(SheetError::InflatedTooLarge(1500))
        ));
        let four: Vec<(&str, &[u8])> = ["a", "b", "c", "d"].map(|n| (n, &b""[..])).to_vec();
        assert!(matches!(
            inspect(&package(&four), &limits),
            Err(SheetError::TooManyParts(3))
        ));
        assert!(matches!(inspect(&package(&four[..3]), &limits), Ok(())));
    }

    #[test]
    fn xml_nested_deeper_than_a_sheet_is_refused() {
        let deep = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
        assert!(matches!(
            inspected(&workbook(&deep, None)),
            Err(SheetError::TooDeep(64))
        ));
        let rich = r#"<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>a</t></r></is></c></row>"#;
        inspected(&workbook(rich, None)).unwrap();
    }

    #[test]
    fn references_outside_excels_grid_are_refused() {
        for row in [
            r#"<row r="0"/>"#,
            r#"<row r="1048577"/>"#,
            r#"<row r="99999999999"/>"#,
            r#"<row><c r="XFE1"/></row>"#,
            r#"<row><c r="AAAAAAAAAAAAAAAAA1"/></row>"#,
            r#"<row><c r="A"/></row>"#,
            r#"<row><c r="1"/></row>"#,
            r#"<row><c r="A1B"/></row>"#,
        ] {
            let error = inspected(&workbook(row, None)).unwrap_err();
            assert!(
                matches!(error, SheetError::BadReference(_)),
                "{row}: {error}"
            );
        }
        let dimension = format!("<worksheet {MAIN}><dimension ref=\"A1:XFE1\"/></worksheet>");
        let error = inspected(&package(&[(
            "xl/worksheets/sheet1.xml",
            dimension.as_bytes(),
        )]));
        assert!(matches!(error, Err(SheetError::BadReference(_))));
    }

    #[test]
    fn cell_positions_from_a1_to_xfd1048576() {
        assert_eq!(cell_position("A1"), Some((1, 1)));
        assert_eq!(cell_position("bl5001"), Some((5001, 64)));
        assert_eq!(cell_position("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_position("A01"), Some((1, 1)));
        assert_eq!(cell_position("A0"), None);
        assert_eq!(cell_position("ZZZ1"), None);
    }
}
