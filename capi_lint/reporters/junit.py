"""JUnit XML: one test case per input file, failed when it has a finding at or
above the fail level (``fail_on``); its findings are listed in the text format."""

from __future__ import annotations

import re
from typing import Any

from capi_lint.model import RunResult, Severity
from capi_lint.reporters.text import format_finding

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(result: RunResult, *, fail_on: Severity | str = Severity.ERROR, **_options: Any) -> str:
    import xml.etree.ElementTree as ET  # only when this format is asked for

    level = fail_on if isinstance(fail_on, Severity) else Severity.parse(fail_on)
    suites = ET.Element("testsuites", name="capi-lint")
    suite = ET.SubElement(suites, "testsuite", name="capi-lint")
    failures = 0
    for file_result in result.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="capi-lint",
            name=_clean(file_result.path),
            file=_clean(file_result.path),
            time="0",
        )
        lines = [_clean(format_finding(f)) for f in file_result.findings]
        failing = [f for f in file_result.findings if f.severity.rank >= level.rank]
        if failing:
            failures += 1
            codes = sorted({f.code for f in failing})
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(failing)} finding(s) at or above {level.value}: {', '.join(codes)}",
                type="capi-lint",
            )
            failure.text = "\n".join(lines)
        elif lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    for element in (suites, suite):
        element.set("tests", str(len(result.results)))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("skipped", "0")
        element.set("time", "0")
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
