"""U rules: customer information presence, combinations, IP, user agent, fbc/fbp, madid."""

from __future__ import annotations

import pytest
from helpers import (
    DROP,
    NOW,
    app_event,
    body,
    codes,
    lint,
    pointers,
    sha,
    store_event,
    user_data,
    website_event,
)
from hypothesis import given
from hypothesis import strategies as st

from capi_lint.rules import _userdata, customer
from capi_lint.rules.customer import ip_problem, url_fbclid

U = ["U"]


@pytest.mark.parametrize("builder", [website_event, app_event, store_event])
def test_builders_are_clean(builder) -> None:
    assert codes(body(builder(), builder()), select=U) == []


def test_missing_and_null_user_data() -> None:
    payload = body(store_event(user_data=DROP), store_event(user_data=None))
    assert pointers(payload, "U001", select=U) == ["/data/0", "/data/1/user_data"]


def test_non_object_user_data_is_left_to_s010() -> None:
    payload = body(store_event(user_data=["x"]), store_event(user_data="em=abc"))
    assert codes(payload, select=U) == []


def test_no_identifier_counts_blank_lists_as_absent() -> None:
    payload = body(store_event(user_data={"em": [None, " "], "ph": ""}))
    assert pointers(payload, "U002", select=["U002"]) == ["/data/0/user_data"]
    ok = body(store_event(user_data={"em": [None, sha("a@b.co")]}))
    assert codes(ok, select=["U002"]) == []


@pytest.mark.parametrize(
    "keys",
    [
        {"client_user_agent"},
        {"ge", "ct", "st", "country"},
        {"db", "client_user_agent"},
        {"fn", "ge"},
        {"ln", "ge"},
        {"zp"},
        {"dobd", "dobm", "doby", "client_user_agent"},
        {"fi", "ge"},
    ],
)
def test_invalid_combinations(keys: set[str]) -> None:
    data = {k: "Mozilla/5.0 (X11) Gecko" if k == "client_user_agent" else sha(k) for k in keys}
    assert codes(body(store_event(user_data=data)), select=["U003"]) == ["U003"]


@pytest.mark.parametrize(
    "keys",
    [
        {"client_ip_address", "client_user_agent"},
        {"fbp"},
        {"fn", "ln"},
        {"db", "ge"},
        {"fn", "ln", "ge"},
        {"em"},
        {"ge", "external_id"},
    ],
)
def test_valid_combinations(keys: set[str]) -> None:
    values = {
        "client_ip_address": "31.13.64.35",
        "client_user_agent": "Mozilla/5.0 (X11) Gecko",
        "fbp": "fb.1.1763790000000.1234567890",
    }
    data = {k: values.get(k, sha(k)) for k in keys}
    assert codes(body(store_event(user_data=data)), select=["U003"]) == []


def test_unknown_keys_do_not_make_a_combination_valid() -> None:
    data = {"ge": sha("f"), "gender_guess": "x"}
    assert codes(body(store_event(user_data=data)), select=["U003"]) == ["U003"]


def test_empty_values_point_at_list_items() -> None:
    event = website_event(user_data=user_data(em=[sha("a@b.co"), None, " "], ph=[]))
    assert pointers(body(event), "U004", select=["U004"]) == [
        "/data/0/user_data/em/1",
        "/data/0/user_data/em/2",
        "/data/0/user_data/ph",
    ]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("31.13.64.35, 10.0.0.2", "comma-separated"),
        ("31.13.64.35:443", "port"),
        ("[2a03:2880::1]:443", "brackets"),
        ("31.13.64.35 ", "whitespace"),
        ("31.13.64.0/24", "CIDR"),
        ("www.example.com", "host name"),
        ("fe80::1%en0", "zone"),
        ("01.13.64.35", "not a valid"),
        ("2a03:2880::zz", "not a valid"),
    ],
)
def test_ip_problems(value: str, fragment: str) -> None:
    problem, where = ip_problem(value)
    assert where is None and problem is not None and fragment in problem


@pytest.mark.parametrize(
    "value",
    [
        "31.13.64.35",
        "2a03:2880:f12f:83:face:b00c:0:25de",
        "2A03:2880:F12F:0083:FACE:B00C:0000:25DE",
        "::ffff:31.13.64.35",
        "172.32.0.1",
        "100.128.0.1",
    ],
)
def test_public_addresses(value: str) -> None:
    assert ip_problem(value) == (None, None)


@pytest.mark.parametrize(
    "value",
    ["10.1.2.3", "::ffff:10.1.2.3", "fd00::1", "198.51.100.9", "3fff::1", "0.0.0.0", "::"],
)
def test_non_public_addresses(value: str) -> None:
    problem, where = ip_problem(value)
    assert problem is None and where is not None


def _address_texts():
    def forms(address):
        text = str(address)
        out = [text, text.upper()]
        if address.version == 6:
            out.append(address.exploded)
        else:
            out += [f"::ffff:{text}", f"::{text}", ".".join(f"0{p}" for p in text.split("."))]
        return st.sampled_from(out)

    return st.ip_addresses().flatmap(forms) | st.text(
        alphabet="0123456789abcdefABCDEF.:%[]/, x\0\ud800٣", max_size=45
    )


@given(_address_texts())
def test_fast_ip_parse_agrees_with_ipaddress(value: str) -> None:
    # The inet_pton fast path must say exactly what the ipaddress-based path says.
    assert ip_problem(value) == customer._ip_problem_slow(value)


def test_hashed_ip_is_h006_not_u005() -> None:
    event = website_event(user_data=user_data(client_ip_address=sha("31.13.64.35")))
    assert codes(body(event), select=["U005", "U006", "H006"]) == ["H006"]


def test_ip_message_does_not_show_the_address() -> None:
    event = website_event(user_data=user_data(client_ip_address="10.20.30.40"))
    (finding,) = lint(body(event), select=["U006"])
    assert "10.20.30.40" not in finding.message
    assert "10.0.0.0/8" in finding.message


def test_website_missing_ip_only_for_website() -> None:
    payload = body(
        website_event(user_data=user_data(client_ip_address=DROP)),
        app_event(),
        website_event(user_data=user_data(client_ip_address="")),
    )
    assert pointers(payload, "U007", select=["U007"]) == [
        "/data/0/user_data",
        "/data/2/user_data",
    ]


@pytest.mark.parametrize(
    "ua",
    [
        "undefined",
        "Mozilla/5.0 ",
        "python-requests/2.31.0",
        "Python-urllib/3.11",
        "axios/1.6.0",
        "Go-http-client/1.1",
        "okhttp/3.12.1",
        "Java/17.0.2",
        "PostmanRuntime/7.36.0",
        "abc",
    ],
)
def test_invalid_user_agents(ua: str) -> None:
    event = website_event(user_data=user_data(client_user_agent=ua))
    assert codes(body(event), select=["U008"]) == ["U008"]


def test_fbc_shapes() -> None:
    fbc = "fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl"
    good = [fbc, fbc + ".AQ", fbc + ".AQAAAAAB", "fb.0.1763799000000.x", "fb.2.1763799000000.x"]
    bad = [
        "fb.1.1763799000.IwAR",
        "fb.1.17637990000000.IwAR",
        "fb.1.abc.IwAR",
        "fb.1.1763799000000.IwAR=",
        "FB.1.1763799000000.IwAR",
        "fb.1.1763799000000.IwAR.AQ.x",
    ]
    for value in good:
        assert codes(body(website_event(user_data=user_data(fbc=value))), select=["U009"]) == []
    for value in bad:
        event = website_event(user_data=user_data(fbc=value))
        assert codes(body(event), select=["U009"]) == ["U009"], value


def test_fbc_creation_time_in_the_future_uses_the_reference_time_and_tolerance() -> None:
    ahead = (NOW + 3 * 3600) * 1000
    event = website_event(user_data=user_data(fbc=f"fb.1.{ahead}.IwAR2xYzAbCdEfGhIjKl"))
    assert codes(body(event), select=["U009"]) == []  # within the default day
    strict = {"U009": {"future-tolerance-seconds": 60}}
    assert codes(body(event), select=["U009"], options=strict) == ["U009"]
    assert codes(body(event), select=["U009"], now=NOW + 4 * 3600) == []


def test_fbp_future_and_seconds() -> None:
    future = f"fb.1.{(NOW + 3 * 86_400) * 1000}.1234567890"
    seconds = f"fb.1.{NOW}.1234567890"
    payload = body(
        website_event(user_data=user_data(fbp=future)),
        website_event(user_data=user_data(fbp=seconds)),
    )
    assert pointers(payload, "U013", select=["U013"]) == [
        "/data/0/user_data/fbp",
        "/data/1/user_data/fbp",
    ]


def test_five_segment_fbc_with_unknown_appendix_is_h008_only() -> None:
    event = website_event(user_data=user_data(fbc="fb.1.1763799000000.IwAR2x.toolong"))
    assert codes(body(event), select=["U009", "U010", "H008"]) == ["H008"]


def test_double_wrapped_is_u010_only() -> None:
    fbc = "fb.1.1763799000000.fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl"
    event = website_event(user_data=user_data(fbc=fbc))
    assert codes(body(event), select=["U009", "U010", "U011"]) == ["U010"]


def test_fbclid_compared_with_the_url() -> None:
    url = "https://shop.example.com/p?a=1&fbclid=IwAR2xYzAbCdEfGhIjKl&b=2"
    same = website_event(
        event_source_url=url, user_data=user_data(fbc="fb.1.1763799000000.IwAR2xYzAbCdEfGhIjKl")
    )
    lowered = website_event(
        event_source_url=url, user_data=user_data(fbc="fb.1.1763799000000.iwar2xyzabcdefghijkl")
    )
    assert codes(body(same, lowered), select=["U011"]) == ["U011"]
    (finding,) = lint(body(lowered), select=["U011"])
    assert "letter case" in finding.message


def test_url_fbclid_drops_an_appendix_and_ignores_fragments() -> None:
    assert url_fbclid("https://x.example/?fbclid=AbC-1_2.AQ") == "AbC-1_2"
    assert url_fbclid("https://x.example/#fbclid=AbC") is None
    assert url_fbclid("https://x.example/?fbclid=") is None


def test_fbc_missing_with_fbclid() -> None:
    url = "https://shop.example.com/?fbclid=IwAR2xYzAbCdEfGhIjKl"
    payload = body(
        website_event(event_source_url=url, user_data=user_data(fbc=DROP)),
        website_event(event_source_url=url),
    )
    assert pointers(payload, "U012", select=["U012"]) == ["/data/0/user_data"]


def test_madid() -> None:
    payload = body(
        app_event(user_data=user_data(madid="00000000-0000-0000-0000-000000000000")),
        app_event(user_data=user_data(madid="38400000-8cf0-11bd-b23e-10b96e40000d")),
        app_event(user_data=user_data(madid="38400000-8cf0")),
    )
    assert pointers(payload, "U014", select=["U014"]) == [
        "/data/0/user_data/madid",
        "/data/2/user_data/madid",
    ]


def test_user_data_is_walked_once_per_event(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    original = _userdata.UserData.__init__

    def counting(self, event):  # type: ignore[no-untyped-def]
        made.append(1)
        original(self, event)

    monkeypatch.setattr(_userdata.UserData, "__init__", counting)
    lint(body(website_event(), website_event()), text=False)
    assert len(made) == 2


def test_strange_values_do_not_crash() -> None:
    weird = user_data(
        em=[1, {"a": 1}, None, True],
        ph=12345,
        client_ip_address=["31.13.64.35"],
        client_user_agent=42,
        fbc={"v": 1},
        fbp=1.5,
        madid=0,
        country=[None],
    )
    findings = lint(body(website_event(user_data=weird)))
    assert {f.code for f in findings} >= {"S010"}


def test_no_raw_pii_in_u_messages() -> None:
    email, phone, name, dob = "ngozi.okonkwo@posteo.de", "+44 20 7946 0958", "Okonkwo", "1990-04-03"
    ud = user_data(
        em=[email, None],
        ph=phone,
        ln=name,
        db=dob,
        external_id=[email],
        client_ip_address=f"{phone}, 10.0.0.1",
        client_user_agent=name,
        fbc=f"fb.1.1763799000.{name}",
        fbp=f"_fbp={email}",
        madid=dob,
    )
    event = website_event(
        event_source_url=f"https://shop.example.com/?fbclid={name}x", user_data=ud
    )
    findings = lint(body(event, store_event(user_data={"ge": sha("f"), "ln": name})))
    for finding in findings:
        if finding.code[0] != "U":
            continue
        text = f"{finding.message} {finding.fix or ''}"
        for secret in (email, phone, name, dob, "442079460958"):
            assert secret not in text, finding.code


# ------------------------------------------------- parameter-builder appendix on the IP
# Meta's customer-information page: with the parameter builder "the format will
# contain an additional appendix at the end of each param"; the builder returns
# client_ip_address as `<address>.<appendix>` (capi-param-builder GetClientIpTest).


@pytest.mark.parametrize(
    "value",
    ["81.2.69.142.AQQAAQMC", "81.2.69.142.AQ", "2a03:2880:f12f:83:face:b00c:0:25de.AQQAAQMC"],
)
def test_ip_with_param_builder_appendix_passes(value: str) -> None:
    event = website_event(user_data=user_data(client_ip_address=value))
    assert codes(body(event), select=["U005", "U006"]) == []


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("10.0.3.17.AQQAAQMC", "10.0.0.0/8"),
        ("fd00::1.AQ", "fc00::/7"),
        ("127.0.0.1.Ag", "127.0.0.0/8"),
    ],
)
def test_appendix_does_not_hide_a_non_public_address(value: str, where: str) -> None:
    event = website_event(user_data=user_data(client_ip_address=value))
    (finding,) = lint(body(event), select=["U005", "U006"])
    assert finding.code == "U006" and where in finding.message


@pytest.mark.parametrize(
    "value",
    ["81.2.69.142.AQ.AQ", "81.2.69.142.ABC", "81.2.69.142.", "81.2.69.142.AQQAAQM=", "1.2.3.AQ"],
)
def test_a_suffix_that_is_not_one_appendix_is_u005(value: str) -> None:
    event = website_event(user_data=user_data(client_ip_address=value))
    assert codes(body(event), select=["U005", "U006"]) == ["U005"]


def test_appendix_message_names_the_suffix_not_the_address() -> None:
    event = website_event(user_data=user_data(client_ip_address="81.2.69.142.AQ.AQ"))
    (finding,) = lint(body(event), select=["U005"])
    assert "suffix" in finding.message and "81.2.69.142" not in finding.message


def test_a_two_digit_last_octet_is_part_of_the_address() -> None:
    # `1.2.3.45` is an address, not `1.2.3` + appendix `45`.
    assert _userdata.ip_address_part("31.13.64.45") == "31.13.64.45"
    assert _userdata.ip_address_part("31.13.64.45.AQ") == "31.13.64.45"
