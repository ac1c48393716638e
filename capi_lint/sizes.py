"""Byte sizes as people write them (``max-input-size = "256MiB"``) and as we print them."""

from __future__ import annotations

import re

KIB = 1024
MIB = 1024 * KIB
#: The largest document, or JSON Lines line, that is read (``max-input-size``).
DEFAULT_MAX_INPUT_SIZE = 256 * MIB

# K, M, G, T alone are binary, as GNU `head -c` and Docker read them; kB/MB/GB/TB are
# decimal (SI) and KiB/MiB/GiB/TiB binary (IEC), so every spelling has one meaning.
_UNITS = {
    "": 1,
    "b": 1,
    **{f"{p}": 1024**n for n, p in enumerate("kmgt", 1)},
    **{f"{p}ib": 1024**n for n, p in enumerate("kmgt", 1)},
    **{f"{p}b": 1000**n for n, p in enumerate("kmgt", 1)},
}
_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(value: object) -> int:
    """Bytes from an int or a string such as ``"1048576"``, ``"256MiB"``, ``"2 MB"``.

    ValueError for anything else, for a unit we do not know and for less than one byte.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str):
        match = _SIZE_RE.fullmatch(value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(f"expected bytes or a size such as 256MiB, got {value!r}")
        number = match.group(1)
        scale = _UNITS[unit]
        size = int(number) * scale if "." not in number else int(float(number) * scale)
    else:
        raise ValueError(f"expected bytes or a size such as 256MiB, got {value!r}")
    if size < 1:
        raise ValueError(f"must be at least 1 byte, got {value!r}")
    return size


def format_size(size: int) -> str:
    """``268435456`` -> ``"256 MiB"``; sizes that are no whole binary unit in bytes."""
    for unit, scale in (("GiB", 1024**3), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} bytes"
