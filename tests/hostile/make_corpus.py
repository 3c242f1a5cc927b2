"""Writes the hostile corpus of the upload tier (infra/hostile.sh) into DIR/refused: files an
attacker would post to the sheet imports, each small enough to upload (but for the two made to
pass the 4 MiB upload limit) and each built to make a reader allocate, spin or crash. Beside
them, in DIR/accepted, the largest files an import takes (just under 4 MiB, 5,000 rows), whose
memory the tier measures too. Python's standard library only; the files are made here, never
committed.

    python3 tests/hostile/make_corpus.py DIR      # prints refused/NAME and accepted/NAME lines
"""
import pathlib
import random
import struct
import sys
import zipfile
import zlib

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook {MAIN} xmlns:r="{REL}">'
    '<sheets><sheet name="Pelanggan" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ["Nama", "No Pol", "No HP", "Last Service", "Next Service", "Notes"]


def column(n):
    """The letters of column n (from 1): 1 is A, 16384 is XFD."""
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row():
    return '<row r="1">' + "".join(cell(f"{column(i + 1)}1", h) for i, h in enumerate(HEADER)) + "</row>"


def sheet(rows, dimension="A1:F1"):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}>'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def shared_strings(attributes='count="0" uniqueCount="0"', entries=""):
    return f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN} {attributes}>{entries}</sst>'


def xlsx(path, sheet_xml, strings_xml=None, extra=()):
    """A workbook of one sheet; `sheet_xml` and `strings_xml` are text or a function that
    writes the part in chunks (for parts too large to hold)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, part in [("xl/worksheets/sheet1.xml", sheet_xml), ("xl/sharedStrings.xml", strings_xml)]:
            if part is None:
                continue
            if callable(part):
                with z.open(name, "w", force_zip64=True) as out:
                    part(out)
            else:
                z.writestr(name, part)
        for name, data in extra:
            z.writestr(name, data)


def shared_string_fanout(path):
    """One shared string of 32,000 characters in every cell of 5,000 rows of 64 columns: about
    10 MB of XML, deflated to a few kilobytes, that would hold 10 GB of text once read."""
    text = "x" * 32_000
    cells = lambda r: "".join(f'<c r="{column(c)}{r}" t="s"><v>0</v></c>' for c in range(1, 65))
    rows = "".join(f'<row r="{r}">{cells(r)}</row>' for r in range(1, 5001))
    xlsx(path, sheet(rows, "A1:BL5000"), shared_strings('count="320000" uniqueCount="1"', f"<si><t>{text}</t></si>"))


def sst_declared(count):
    def make(path):
        xlsx(path, sheet(header_row()), shared_strings(f'count="{count}" uniqueCount="{count}"'))
    return make


def cell_at_xfd1048576(path):
    rows = header_row() + '<row r="1048576">' + cell("XFD1048576", "jauh") + "</row>"
    xlsx(path, sheet(rows, "A1:XFD1048576"))


def inflated_1gib(path):
    """1 GiB of text in one shared string: about 1 MB once deflated."""
    def strings(out):
        out.write(shared_strings('count="1" uniqueCount="1"', "<si><t>").split("</sst>")[0].encode())
        chunk = b"A" * (1 << 20)
        for _ in range(1024):
            out.write(chunk)
        out.write(b"</t></si></sst>")
    xlsx(path, sheet(header_row()), strings)


def empty_rows_100k(path):
    """100,000 rows of formatted empty cells and nothing else: no header, nothing to keep."""
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/><c r="F{r}" s="1"/></row>' for r in range(1, 100_001))
    xlsx(path, sheet(rows, "A1:F100000"))


def columns_10k(path):
    row = '<row r="1">' + "".join(cell(f"{column(c)}1", f"k{c}") for c in range(1, 10_001)) + "</row>"
    xlsx(path, sheet(row, "A1:NTP1"))


def entries(count):
    def make(path):
        xlsx(path, sheet(header_row()), extra=[(f"xl/media/{i}", b"") for i in range(count)])
    return make


def nested_100k(path):
    xlsx(path, sheet(header_row() + "<x>" * 100_000 + "</x>" * 100_000))


def bad_reference(path):
    """A column of 17 letters: past XFD, and past what a u32 holds in base 26."""
    xlsx(path, sheet(header_row() + '<row r="2">' + cell("AAAAAAAAAAAAAAAAA2", "x") + "</row>"))


def rows_5001(path):
    rows = header_row() + "".join(
        f'<row r="{r}">{cell(f"A{r}", f"Pelanggan {r}")}{cell(f"C{r}", "08123456789")}</row>'
        for r in range(2, 5003)
    )
    xlsx(path, sheet(rows, "A1:F5002"))


def many_shared_strings(path):
    """Declares one shared string and holds 400,000."""
    xlsx(path, sheet(header_row()), shared_strings('count="1" uniqueCount="1"', "<si><t/></si>" * 400_000))


def size_lie(path):
    """A sheet whose zip headers declare 100 bytes and which inflates to 100 MiB."""
    def rows(out):
        out.write(sheet("").split("<sheetData>")[0].encode() + b"<sheetData>")
        chunk = b"<row/>" * 100_000
        for _ in range(175):
            out.write(chunk)
        out.write(b"</sheetData></worksheet>")
    xlsx(path, rows)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    # Local header: size at offset 22; central directory entry: at 24. Zip64 extra fields
    # carry the real size; both are rewritten to 100.
    for signature, size_at in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)]:
        at = data.find(signature)
        while at >= 0:
            name_length = struct.unpack_from("<H", data, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + name_length] == name:
                if struct.unpack_from("<I", data, at + size_at)[0] != 0xFFFFFFFF:
                    struct.pack_into("<I", data, at + size_at, 100)
                extra_length = struct.unpack_from("<H", data, at + (28 if signature == b"PK\x03\x04" else 30))[0]
                extra_at = name_at + name_length
                end = extra_at + extra_length
                while extra_at + 4 <= end:
                    tag, length = struct.unpack_from("<HH", data, extra_at)
                    if tag == 1:
                        struct.pack_into("<Q", data, extra_at + 4, 100)
                    extra_at += 4 + length
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def directory_lie(path):
    """An end-of-central-directory record that declares 65,535 entries of 4 GiB."""
    xlsx(path, sheet(header_row()))
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HHI", data, end + 8, 0xFFFF, 0xFFFF, 0xFFFFFFF0)
    path.write_bytes(bytes(data))


def csv_field_100mb(path):
    with open(path, "wb") as out:
        out.write(b"Nama,No Pol,No HP\n\"")
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            out.write(chunk)
        out.write(b"\",B 1 A,08123456789\n")


def csv_field_64k(path):
    path.write_bytes(b"Nama,No Pol,No HP\n" + b"x" * 65_536 + b",B 1 A,08123456789\n")


def csv_columns_1m(path):
    path.write_bytes(b"Nama," + b"a," * 1_000_000 + b"\n")


def csv_rows_5001(path):
    lines = ["Nama,No Pol,No HP"] + [f"Pelanggan {i},B {i} A,0812{i:07d}" for i in range(5001)]
    path.write_text("\n".join(lines) + "\n")


def csv_blank_lines(path):
    """Nearly 4 MiB of line breaks: no row, nothing to keep, but many to read."""
    path.write_bytes(b"\n" * (4 * 1024 * 1024 - 1024))


def text(rng, length):
    """Letters and digits that deflate little, as real names and notes do not: the file's
    4 MiB then holds 5,000 rows rather than many more."""
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ") for _ in range(length))


def largest(headers, row_of):
    """5,000 valid rows, each with an extra column the import ignores, as wide as keeps the
    file under the 4 MiB upload limit (by less than 2%)."""
    def make(path):
        limit = 4 * 1024 * 1024
        width = 0
        size = size_sheet(path, headers, row_of, width)
        while size < limit * 0.98 or size > limit:
            # Each extra character deflates to about three quarters of a byte.
            width = max(0, width + int((limit * 0.99 - size) / 5000 / 0.75))
            size = size_sheet(path, headers, row_of, width)
    return make


def size_sheet(path, headers, row_of, width):
    """Writes the sheet with an extra column `width` characters wide; its size."""
    rng = random.Random(19)
    rows = ['<row r="1">' + "".join(
        cell(f"{column(i + 1)}1", h) for i, h in enumerate(headers + ["Lain"])) + "</row>"]
    for r in range(2, 5002):
        values = row_of(r - 2, rng) + [text(rng, width)]
        rows.append(f'<row r="{r}">' + "".join(
            cell(f"{column(i + 1)}{r}", v) for i, v in enumerate(values) if v) + "</row>")
    xlsx(path, sheet("".join(rows), f"A1:{column(len(headers) + 1)}5001"))
    return path.stat().st_size


def record_row(i, rng):
    return [f"Pelanggan {text(rng, 40)}", f"B {i % 9999 + 1} {['AB', 'CD', 'EF'][i // 9999]}",
            f"0812{i:08d}", "2026-01-15", "2026-07-15", text(rng, 500)]


def customer_row(i, rng):
    return [f"Pelanggan {text(rng, 40)}", f"0813{i:08d}", f"D {i % 9999 + 1} XY", "Avanza", "2025-12-01"]


ACCEPTED = {
    "largest-records.xlsx": largest(HEADER, record_row),
    "largest-register.xlsx": largest(["Nama", "No HP", "No Pol", "Model", "Last Visit"], customer_row),
}

CORPUS = {
    "sst-count-3e17.xlsx": sst_declared(300_000_000_000_000_000),
    "sst-count-2p60.xlsx": sst_declared(2**60),
    "cell-at-XFD1048576.xlsx": cell_at_xfd1048576,
    "inflated-1GiB.xlsx": inflated_1gib,
    "empty-rows-100k.xlsx": empty_rows_100k,
    "columns-10k.xlsx": columns_10k,
    "entries-100k.xlsx": entries(100_000),
    "entries-2000.xlsx": entries(2_000),
    "nested-100k.xlsx": nested_100k,
    "bad-reference.xlsx": bad_reference,
    "rows-5001.xlsx": rows_5001,
    "shared-strings-400k.xlsx": many_shared_strings,
    "shared-string-fanout.xlsx": shared_string_fanout,
    "size-lie.xlsx": size_lie,
    "directory-lie.xlsx": directory_lie,
    "field-100MB.csv": csv_field_100mb,
    "field-64KiB.csv": csv_field_64k,
    "columns-1M.csv": csv_columns_1m,
    "rows-5001.csv": csv_rows_5001,
    "blank-lines-4MiB.csv": csv_blank_lines,
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py DIR")
    for kind, files in [("refused", CORPUS), ("accepted", ACCEPTED)]:
        folder = pathlib.Path(sys.argv[1]) / kind
        folder.mkdir(parents=True, exist_ok=True)
        for name, make in files.items():
            make(folder / name)
            print(f"{kind}/{name}")


if __name__ == "__main__":
    main()
