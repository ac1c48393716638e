"""Meta's documented normalisation vectors (customer-information parameters page).

These are hard assertions: a change that breaks one is a bug, whatever any
library does. Values from requirements.md §4.2 / meta_doc_vectors_*.txt.
"""

from __future__ import annotations

import hashlib

import pytest

from capi_lint.normalize import hash_value, normalize

VECTORS = [
    # (field, raw, region, normalised, sha256)
    (
        "em",
        "John_Smith@gmail.com",
        None,
        "john_smith@gmail.com",
        "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
    ),
    (
        "ph",
        "(650)555-1212",
        "US",
        "16505551212",
        "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
    ),
    (
        "fn",
        "Mary",
        None,
        "mary",
        "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
    ),
    (
        "fn",
        "정",
        None,
        "정",
        "8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14",
    ),
    (
        "fn",
        "Valéry",
        None,
        "valéry",
        "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c",
    ),
    (
        "db",
        "2/16/1997",
        None,
        "19970216",
        "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c",
    ),
    (
        "country",
        "United States",
        None,
        "us",
        "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
    ),
]


@pytest.mark.parametrize(("field", "raw", "region", "normalised", "digest"), VECTORS)
def test_meta_vector(field: str, raw: str, region: str | None, normalised: str, digest: str):
    assert normalize(field, raw, region) == normalised
    assert hash_value(field, raw, region) == digest
    assert hashlib.sha256(normalised.encode("utf-8")).hexdigest() == digest


def test_ph_vector_region_is_case_insensitive():
    assert normalize("ph", "(650)555-1212", "us") == "16505551212"


@pytest.mark.parametrize("raw", ["Valéry", "Vale\u0301ry"])  # NFC and NFD spellings
def test_valery_vector_from_either_normal_form(raw: str):
    assert hash_value("fn", raw) == VECTORS[4][4]


def test_meta_vectors_also_hash_already_normalised_input():
    for field, _raw, region, normalised, digest in VECTORS:
        assert hash_value(field, normalised, region) == digest
