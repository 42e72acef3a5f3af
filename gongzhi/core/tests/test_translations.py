"""The English catalogue is complete and the compiled .mo matches the .po.

Source strings are Chinese; `make messages` regenerates the catalogue. These
tests fail when someone adds a string without translating it or forgets to
compile.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _entries():
    """(msgid, [msgstr…]) pairs, parsed without a third-party library."""
    text = PO.read_text(encoding="utf-8")
    for block in text.strip().split("\n\n"):
        if re.search(r"^#,.*\bfuzzy\b", block.split("\nmsgid", 1)[0], re.M):
            yield "FUZZY: " + block[:200], [""]  # a guess by msgmerge: counts as untranslated
            continue
        parts, current = {}, None
        for line in block.splitlines():
            head = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if head:
                current = head.group(1)
                parts[current] = head.group(2)
            elif line.startswith('"') and current:
                parts[current] += line[1:-1]
        if parts.get("msgid"):
            yield parts["msgid"], [v for k, v in parts.items() if k.startswith("msgstr")]


def test_every_message_is_translated_to_english():
    entries = list(_entries())
    assert len(entries) > 1000
    untranslated = [msgid for msgid, strs in entries if not all(s.strip() for s in strs)]
    assert untranslated == []
    still_chinese = [msgid for msgid, strs in entries if any(HAN.search(s) for s in strs)]
    assert still_chinese == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext (msgfmt) is not installed")
def test_compiled_catalogue_matches_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == MO.read_bytes(), "run `make messages` and commit django.mo"


def test_english_catalogue_is_loaded():
    with translation.override("en"):
        assert translation.gettext("查找住户") == "Find household"
    with translation.override("zh-hans"):
        assert translation.gettext("查找住户") == "查找住户"
