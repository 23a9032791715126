"""Text bound for spreadsheets and Word documents, made safe.

- :func:`clean_text` drops the control characters (U+0000–U+001F except tab, line feed and carriage return,
  and U+007F–U+009F) that XML — and so xlsx and docx — cannot hold: python-docx and openpyxl refuse them.
- :func:`spreadsheet_cell` also escapes a text that a spreadsheet would run as a formula (``=HYPERLINK(…)``,
  ``+``, ``-``, ``@``, or a leading tab or carriage return) by prefixing ``'``, as OWASP's "CSV injection" advice
  and defusedcsv do. defusedcsv itself wraps only the csv module; exports here also write xlsx, so one function
  serves both.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_text(value: str) -> str:
    """``value`` without the control characters XML cannot hold."""
    return _CONTROL.sub("", value)


def spreadsheet_cell(value: Any) -> Any:
    """A cell value safe to open in Excel or WPS: text cleaned and never a formula; numbers and others as they are."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
