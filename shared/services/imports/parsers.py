"""Bank files to lines: OFX/QFX (1.x SGML and 2.x XML, read with ofxtools), QIF, and CSV with a mapping.

Each parser returns `Line`s: what the file says about one transaction, with the file's line number,
or the reason the line cannot be imported (reported, never guessed). A file that is not its format
at all raises `FileRefused` with what is wrong; nothing of it is imported.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.schemas import MAX_MONEY

CENT = Decimal("0.01")
_SPACES = re.compile(r"\s+")


class FileRefused(ValueError):
    """The content does not parse as the format it was sent as."""


@dataclass
class Line:
    line: int
    date: dt.date | None = None
    amount: Decimal | None = None  # signed: negative is money out (an expense), positive money in
    payee: str | None = None
    description: str | None = None
    fitid: str | None = None
    category: str | None = None  # a category name (CSV mapping)
    reason: str | None = None  # set: the line is invalid


def clean_text(value: str | None, limit: int, what: str, line: Line) -> str | None:
    """Whitespace (tabs and line breaks included) collapsed; too long a text makes the line invalid."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value).strip()
    if not text:
        return None
    if len(text) > limit:
        line.reason = line.reason or f"the {what} is longer than {limit} characters"
    return text


def money(text: str, *, decimal_comma: bool = False) -> Decimal:
    """A signed amount as banks write it: `-1,234.56`, `1.234,56` (decimal comma), `(12.50)`, `+3`."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1]
    if raw.endswith("-"):  # some banks write the sign last
        raw, negative = raw[:-1], not negative
    if decimal_comma:
        raw = raw.replace(".", "").replace(",", ".")
    else:
        raw = raw.replace(",", "")
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", raw):  # ASCII digits only: Decimal() takes "١٢"
        raise ValueError(f"the amount {text.strip()[:40]!r} is not a number")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"the amount {text.strip()[:40]!r} is not a number") from None
    if abs(value) > MAX_MONEY:
        raise ValueError(f"the amount is larger than {MAX_MONEY}")
    if value != value.quantize(CENT):
        raise ValueError(f"the amount {text.strip()[:40]!r} has more than 2 decimals")
    return (-value if negative else value).quantize(CENT)


def set_amount(line: Line, text: str | None, *, decimal_comma: bool = False) -> None:
    if text is None or not text.strip():
        line.reason = line.reason or "the amount is missing"
        return
    try:
        line.amount = money(text, decimal_comma=decimal_comma)
    except ValueError as exc:
        line.reason = line.reason or str(exc)
        return
    if line.amount == 0:
        line.reason = line.reason or "the amount is zero"


# --- OFX / QFX -----------------------------------------------------------------------------------

_OFX_DATE = re.compile(r"\s*([0-9]{4})([0-9]{2})([0-9]{2})")


def parse_ofx(content: str) -> list[Line]:
    """Every <STMTTRN> of a bank (STMTRS) or card (CCSTMTRS) statement, in file order.

    ofxtools reads the header and the SGML or XML body into a tree; the fields are read from the
    tree, not through ofxtools' strict model conversion: that refuses whole files for an aggregate
    a bank left out, and moves DTPOSTED to UTC, while the date the bank wrote is the statement's day
    (20261015230000[-5:EST] is October 15th for the account holder)."""
    from ofxtools.header import OFXHeaderError, parse_header
    from ofxtools.Parser import OFXTree, ParseError

    _refuse_unterminated_cdata(content)
    raw = content.lstrip("\ufeff").encode("utf-8")
    try:
        header, _ = parse_header(io.BytesIO(raw))
    except (OFXHeaderError, UnicodeDecodeError, ValueError, LookupError):
        raise FileRefused("This is not an OFX file: it must begin with an OFX header (OFXHEADER:100 ... for OFX "
                          "1.x, or <?xml ...?><?OFX OFXHEADER=\"200\" ...?> for OFX 2.x).") from None
    codec = getattr(header, "codec", "utf_8")
    try:
        data = content.lstrip("\ufeff").encode(codec)
    except (UnicodeEncodeError, LookupError):
        raise FileRefused(f"The OFX header declares the character set {codec}, but the file holds characters "
                          "outside it: it was read with the wrong encoding.") from None
    if not content.rstrip().endswith("</OFX>"):
        raise FileRefused("The OFX file is truncated: it does not end with </OFX>.")
    if content.count("<") > MAX_OFX_TAGS:
        raise FileRefused(f"The OFX file has more than {MAX_OFX_TAGS} tags, more than a 5 MiB statement holds.")
    tree = OFXTree()
    try:
        root = tree.parse(io.BytesIO(data), parser=_lean_tree_builder())
    except (ParseError, OFXHeaderError, SyntaxError, ValueError, IndexError, KeyError, UnicodeError) as exc:
        raise FileRefused(f"The OFX file does not parse: {_short(exc)}.") from None
    except Exception as exc:  # ElementTree's own errors on a truncated file (unclosed aggregates)
        raise FileRefused(f"The OFX file does not parse (truncated?): {_short(exc)}.") from None
    if root is None or root.tag != "OFX":
        raise FileRefused("The OFX file has no <OFX> element.")
    statements = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
    if not statements:
        raise FileRefused("The OFX file holds no bank (STMTRS) or credit card (CCSTMTRS) statement.")
    positions = _line_numbers(content, "<STMTTRN>")
    return [_ofx_line(element, positions[index] if index < len(positions) else 0)
            for index, element in enumerate(root.iter("STMTTRN"))]


def _ofx_line(element, number: int) -> Line:
    """One <STMTTRN>: its date (the bank's calendar day), amount, bank id, payee and memo."""
    line = Line(line=number)
    fields = {child.tag: html.unescape(child.text or "") for child in element}
    match = _OFX_DATE.match(fields.get("DTPOSTED", ""))
    if match is None:
        line.reason = "DTPOSTED is missing or not a date"
    else:
        try:
            line.date = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            line.reason = f"DTPOSTED {fields['DTPOSTED'][:8]} is not a real date"
    amount = fields.get("TRNAMT")
    set_amount(line, amount, decimal_comma=bool(amount and "," in amount and "." not in amount))
    line.fitid = clean_text(fields.get("FITID"), 255, "FITID", line)
    line.payee = clean_text(fields.get("NAME") or _payee_name(element), 100, "NAME", line)
    line.description = clean_text(fields.get("MEMO"), 500, "MEMO", line)
    return line


MAX_OFX_TAGS = 400_000


def _lean_tree_builder():
    """ofxtools' TreeBuilder (the same tag pattern, SGML and XML alike) fed without its per-tag debug
    logging, which is most of its time on a 10,000-line statement, and checking that each closing
    tag closes the element open at that point."""
    from ofxtools.Parser import ParseError, TreeBuilder

    class LeanTreeBuilder(TreeBuilder):
        def feed(self, data: str) -> None:
            open_tags: list[str] = []
            for match in self.regex.finditer(data):
                tag, cdata, text, closetag, tail = match.group("tag", "cdata", "text", "closetag", "tail")
                if tail and tail.strip():
                    raise ParseError(f"text {tail.strip()[:40]!r} after <{tag}>")
                text = cdata or (text.strip() if text else None) or None
                if tag.startswith("/"):
                    if text:
                        raise ParseError(f"text {text[:40]!r} after <{tag}>")
                    if not open_tags or open_tags[-1] != tag[1:]:
                        where = f"<{open_tags[-1]}> is open" if open_tags else "nothing is open"
                        raise ParseError(f"<{tag}> closes an element that is not open ({where})")
                    open_tags.pop()
                    self.end(tag[1:])
                    continue
                self.start(tag, {})
                if text or closetag:
                    if text:
                        self.data(text)
                    self.end(tag)
                else:
                    open_tags.append(tag)
            if open_tags:
                raise ParseError(f"<{open_tags[-1]}> is never closed")

    return LeanTreeBuilder()


def _payee_name(element) -> str | None:
    payee = element.find("PAYEE")
    if payee is not None:
        name = payee.findtext("NAME")
        return html.unescape(name) if name else None
    return None


def _refuse_unterminated_cdata(content: str) -> None:
    """A CDATA section must close on its line (ofxtools' pattern would rescan the rest of the line
    for every unclosed one: quadratic on a hostile file)."""
    position = 0
    while (start := content.find("<![CDATA[", position)) != -1:
        end = content.find("]]>", start)
        if end == -1 or content.find("\n", start, end) != -1:
            line = content.count("\n", 0, start) + 1
            raise FileRefused(f"The OFX file has an unterminated CDATA section on line {line}.")
        position = end


def _line_numbers(content: str, marker: str) -> list[int]:
    out, position, line, counted = [], 0, 1, 0
    while (found := content.find(marker, position)) != -1:
        line += content.count("\n", counted, found)
        counted = found
        out.append(line)
        position = found + len(marker)
    return out


def _short(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc) or type(exc).__name__
    return text.split(" - position=")[0][:200]


# --- QIF -----------------------------------------------------------------------------------------

_QIF_DATE = re.compile(r"\s*([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})\s*(?:[/.-]|')\s*([0-9]{2}|[0-9]{4})\s*$")
_QIF_TYPES = ("bank", "cash", "ccard", "oth a", "oth l")


def parse_qif(content: str, *, day_first: bool = False) -> list[Line]:
    """A QIF bank, cash or card list: D date, T (or U) amount, P payee, M memo, N number, `^` ends a record.

    A small parser rather than quiffen: it keeps each record's line number (to report an invalid
    line where it is), leaves dates as written (month first unless day_first) instead of guessing,
    and reports a bad record instead of failing the file."""
    text = content.lstrip("\ufeff")
    rows = text.splitlines()
    first = next((i for i, r in enumerate(rows) if r.strip()), None)
    if first is None or not rows[first].strip().lower().startswith("!type:"):
        raise FileRefused("This is not a QIF file: it must begin with a !Type: line (such as !Type:Bank).")
    kind = rows[first].strip()[6:].strip().lower()
    if kind not in _QIF_TYPES:
        raise FileRefused(f"QIF lists of type {rows[first].strip()[6:].strip()[:20]!r} are not transactions of an "
                          "account or card; send a !Type:Bank, Cash or CCard file.")
    lines: list[Line] = []
    record: dict[str, str] = {}
    start = 0
    for number, raw in enumerate(rows[first + 1:], start=first + 2):
        row = raw.strip()
        if not row:
            continue
        if row.startswith("!"):
            if row.lower().startswith(("!type:", "!option", "!clear")):
                continue
            raise FileRefused(f"Line {number}: unexpected QIF header {row[:40]!r}.")
        if row == "^":
            if record:
                lines.append(_qif_line(record, start, day_first))
            record, start = {}, 0
            continue
        code, value = row[0], row[1:]
        if code not in "DTUPMNLCAS$E%F":
            raise FileRefused(f"Line {number}: {row[:40]!r} is not a QIF field (D, T, P, M, ... or ^).")
        start = start or number
        if code in "SE$%":  # split lines: the record's total (T) is what moved
            continue
        record.setdefault(code, value)
    if record:
        raise FileRefused(f"The QIF file ends inside a record (line {start}): it is truncated (no closing ^).")
    return lines


def _qif_line(record: dict[str, str], number: int, day_first: bool) -> Line:
    line = Line(line=number)
    raw_date = record.get("D")
    match = _QIF_DATE.match(raw_date or "")
    if match is None:
        line.reason = "the date is missing or not written like 10/03/2026"
    else:
        first, second, year = int(match[1]), int(match[2]), match[3]
        month, day = (second, first) if day_first else (first, second)
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        try:
            line.date = dt.date(full_year, month, day)
        except ValueError:
            order = "day first" if day_first else "month first"
            line.reason = f"the date {raw_date.strip()!r} is not a real date ({order})"
    amount = record.get("T", record.get("U"))
    decimal_comma = bool(amount and re.fullmatch(r"\s*[+-]?[0-9.]*[0-9],[0-9]{1,2}\s*", amount))
    set_amount(line, amount, decimal_comma=decimal_comma)
    line.payee = clean_text(record.get("P"), 100, "payee", line)
    line.description = clean_text(record.get("M"), 500, "memo", line)
    return line


# --- CSV -----------------------------------------------------------------------------------------

def parse_csv(content: str, mapping: Any) -> list[Line]:
    """Rows of a bank CSV read through the client's mapping (column names from the header row)."""
    text = content.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=False)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise FileRefused("The CSV file is empty: a header row naming the columns is needed.")
        names = [cell.strip().lstrip("\ufeff") for cell in header]
        wanted = {k: v for k, v in mapping.columns().items() if v is not None}
        missing = [v for v in wanted.values() if v not in names]
        if missing:
            listed = ", ".join(repr(n) for n in names[:20])
            raise FileRefused(f"The CSV header has no column {missing[0]!r} (with delimiter "
                              f"{mapping.delimiter!r} it has: {listed}).")
        index = {key: names.index(column) for key, column in wanted.items()}
        lines = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            lines.append(_csv_line(row, reader.line_num, index, len(names), mapping))
        return lines
    except csv.Error as exc:
        raise FileRefused(f"The CSV file does not parse (line {reader.line_num}): {exc}.") from None


def _csv_line(row: list[str], number: int, index: dict[str, int], width: int, mapping: Any) -> Line:
    line = Line(line=number)
    if len(row) < max(index.values()) + 1:
        line.reason = f"the row has {len(row)} fields, the header {width}"
        return line

    def cell(key: str) -> str | None:
        return row[index[key]] if key in index else None

    raw_date = (cell("date") or "").strip()
    try:
        if any(c.isdigit() and not c.isascii() for c in raw_date):
            raise ValueError(raw_date)  # strptime reads "١٢" as 12; dates, like amounts, take ASCII digits
        line.date = dt.datetime.strptime(raw_date, mapping.date_format).date()
    except ValueError:
        line.reason = f"the date {raw_date[:40]!r} does not match the format {mapping.date_format}"
    if "amount" in index:
        set_amount(line, cell("amount"), decimal_comma=mapping.decimal_comma)
    else:
        debit, credit = (cell("debit") or "").strip(), (cell("credit") or "").strip()
        if bool(debit) == bool(credit):
            line.reason = line.reason or ("neither the debit nor the credit column has an amount" if not debit
                                          else "both the debit and the credit column have an amount")
        else:
            set_amount(line, debit or credit, decimal_comma=mapping.decimal_comma)
            if line.amount is not None:
                line.amount = -abs(line.amount) if debit else abs(line.amount)
    line.description = clean_text(cell("description"), 500, "description", line)
    line.payee = clean_text(cell("payee"), 100, "payee", line)
    line.category = clean_text(cell("category"), 64, "category", line)
    return line
