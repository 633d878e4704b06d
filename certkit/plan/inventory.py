"""The inventory CSV ``instances generate --from-csv`` reads: one node per row.

Columns: the node's name, its DNS names, its IP addresses. A first row whose cells are
all column names (``name``/``hostname``/``node``, ``dns``, ``ip``, any order, any case) is
a header: the columns are then taken by name; without one they are name, dns, ip.

Spreadsheets export with ``,``, ``;`` (where ``,`` is the decimal mark) or tabs. The
separator is decided from the first row, not guessed by ``csv.Sniffer`` (which, on a
three-line file, picks a letter or a '.' as often as the real separator): a tab, else
the one of ``,`` and ``;`` the row holds. A first row holding both ``,`` and ``;`` is
ambiguous (``es01,a.example;b.example`` is also ``es01,a.example`` + ``b.example``) unless
it is a header; it is refused, as is a later row written with the other separator.
Several values in one cell are separated by spaces, or by ``,`` / ``;`` when that is not
the column separator.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certkit.errors import InputError

#: Header names, lower-cased, and the column each one means.
COLUMN_NAMES = {"name": "name", "hostname": "name", "node": "name", "dns": "dns", "ip": "ip"}
_DEFAULT_COLUMNS = ["name", "dns", "ip"]
_SEPARATORS = {",": "','", ";": "';'", "\t": "a tab"}
# What a header cell that is no known column looks like: a word, not a host name or address.
_WORD = re.compile(r"[A-Za-z][A-Za-z _-]*")


@dataclass(frozen=True)
class InventoryRow:
    """One node of an inventory: its name and any DNS names / IP addresses it already has."""

    name: str
    dns: tuple[str, ...] = ()
    ip: tuple[str, ...] = ()


def _csv_rows(reader: Any, file_path: Path) -> Iterator[list[str]]:
    """The rows of ``reader``, with the csv module's own errors (an unterminated quote that
    swallows the rest of the file into one huge cell, a NUL byte) as one-line InputErrors."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{file_path}, line {reader.line_num}: not a readable CSV row ({exc})",
                             hint="check for an unbalanced double quote") from None
        yield cells


def _is_skipped(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _header_columns(cells: list[str], where: str) -> list[str] | None:
    """The columns a header row names, or None when the row is a node."""
    lowered = [cell.strip().lower() for cell in cells]
    known = [cell for cell in lowered if cell in COLUMN_NAMES]
    if not known:
        return None
    unknown = [cell for cell, original in zip(lowered, cells, strict=True) if cell not in COLUMN_NAMES]
    if unknown and not all(_WORD.fullmatch(original.strip()) for original in cells):
        return None  # a node named "node" (node,node.example,10.0.0.1): data, not a header
    if unknown:
        raise InputError(f"{where}: unknown column {unknown[0]!r} in the header "
                         "(columns: name or hostname or node, dns, ip)")
    columns = [COLUMN_NAMES[cell] for cell in lowered]
    for column in dict.fromkeys(columns):
        if columns.count(column) > 1:
            names = [cell for cell in lowered if COLUMN_NAMES[cell] == column]
            raise InputError(f"{where}: the header names the {column} column twice ({', '.join(names)})")
    if "name" not in columns:
        raise InputError(f"{where}: the header has no name column (name, hostname or node)")
    return columns


def _separator(first_line: str, where: str) -> str:
    if "\t" in first_line:
        return "\t"
    present = [s for s in (",", ";") if s in first_line]
    if len(present) < 2:
        return present[0] if present else ","
    # Both: only a header, whose cells hold no values, can say which one separates columns.
    for separator in present:
        cells = next(csv.reader([first_line], delimiter=separator))
        if _header_columns(cells, where) is not None and all(o not in "".join(cells) for o in present):
            return separator
    raise InputError(
        f"{where} holds both ',' and ';': cannot tell which one separates the columns",
        hint="start the file with a header row (name,dns,ip or name;dns;ip), or use one separator",
    )


def read_inventory_csv(path: str | os.PathLike[str]) -> list[InventoryRow]:
    """Read an inventory: rows of name, DNS names, IP addresses (header optional, see the module)."""
    from certkit.io import MAX_TEXT_INPUT_BYTES, read_bounded

    file_path = Path(path)
    try:
        text = read_bounded(file_path, "the inventory", MAX_TEXT_INPUT_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"the inventory {file_path} is not UTF-8 text") from None
    lines = text.splitlines()
    first_number = next((number for number, line in enumerate(lines, 1) if not _is_skipped(line)), None)
    if first_number is None:
        raise InputError(f"the inventory {file_path} lists no nodes")
    separator = _separator(lines[first_number - 1], f"{file_path}, line {first_number}")
    others = [s for s in _SEPARATORS if s != separator]
    value_split = re.compile("[\\s" + "".join(s for s in ",;" if s != separator) + "]+")
    columns = _DEFAULT_COLUMNS
    rows: list[InventoryRow] = []
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    first = True
    for cells in _csv_rows(reader, file_path):
        line = reader.line_num
        if not cells or _is_skipped(separator.join(cells)):
            continue
        where = f"{file_path}, line {line}"
        if first:
            first = False
            header = _header_columns(cells, where)
            if header is not None:
                columns = header
                continue
        mixed = [s for s in others if s in cells[0]] if len(cells) == 1 and columns[0] == "name" else []
        if mixed and len(columns) > 1:
            # A name holds no separator: this row was written with another one.
            raise InputError(f"{where} is separated by {_SEPARATORS[mixed[0]]}, the file's first line by "
                             f"{_SEPARATORS[separator]}; use one separator")
        if len(cells) > len(columns):
            raise InputError(f"{where}: {len(cells)} columns, expected at most {len(columns)} "
                             f"({_SEPARATORS[separator]}-separated {', '.join(columns)})")
        record = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)}
        name = record.get("name", "")
        if not name:
            raise InputError(f"{where}: the name column is empty")
        rows.append(InventoryRow(name, _values(record.get("dns"), value_split), _values(record.get("ip"), value_split)))
    if not rows:
        raise InputError(f"the inventory {file_path} lists no nodes")
    return rows


def _values(cell: str | None, split: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(part for part in split.split(cell or "") if part)
