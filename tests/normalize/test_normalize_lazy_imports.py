"""The slow-to-import libraries load only for the field that needs them."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from capi_lint.normalize import normalize
assert normalize("fn", "Ann") == "ann"
before = {"email_validator" in sys.modules, "phonenumbers" in sys.modules}
assert normalize("em", "Ann@Example.com") == "ann@example.com"
print(before, "email_validator" in sys.modules, "phonenumbers" in sys.modules)
"""


def test_an_email_does_not_load_phonenumbers() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["{False}", "True", "False"]
