"""Every audit action code the code base writes has words (issue #8 point 3).

The walk reads the source of every module under ``gongzhi/`` (tests excluded) and collects the
``action=`` of each ``audit_record(...)`` call: a literal, ``"prefix." + ("a" if x else "b")``, or an
f-string ``f"prefix.{name}"`` where ``name`` is a parameter of a module helper (``_audit(actor,
"take", …)``: every call of the helper in the module gives a code) or a case event kind (``case.<kind>``).
An ``action=`` the walk cannot read fails too: write it so that it can.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils.translation import override

from gongzhi.casework.models import CaseEvent
from gongzhi.core import audit_labels

ROOT = Path(__file__).resolve().parents[2]
# f"prefix.{x}" whose x is a value of a choices enum (record(case, kind=...) is called from many modules).
ENUMERATED = {"case.": [f"case.{value}" for value in CaseEvent.Kind.values]}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[0] == "testing":
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def _is_audit_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name == "audit_record"


def _constants(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _constants(node.body), _constants(node.orelse)
        return None if a is None or b is None else a + b
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _constants(node.left), _constants(node.right)
        return None if a is None or b is None else [x + y for x in a for y in b]
    return None


def _helper_arguments(tree: ast.Module, function: ast.FunctionDef, param: str) -> list[str] | None:
    """The literal values a module's calls pass to ``function``'s parameter ``param``."""
    names = [a.arg for a in function.args.args]
    if param not in names:
        return None
    index = names.index(param)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function.name:
            arg = next((k.value for k in node.keywords if k.arg == param), None)
            if arg is None and len(node.args) > index:
                arg = node.args[index]
            values = _constants(arg) if arg is not None else None
            if values is None:
                return None
            found += values
    return found or None


def written_codes() -> tuple[set[str], list[str]]:
    codes: set[str] = set()
    unreadable: list[str] = []
    for path, tree in _modules():
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for node in ast.walk(function):
                if not _is_audit_call(node):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                value = next((k.value for k in node.keywords if k.arg == "action"), None)
                if value is None:
                    unreadable.append(where)
                    continue
                literal = _constants(value)
                if literal is not None:
                    codes.update(literal)
                    continue
                if (isinstance(value, ast.JoinedStr) and len(value.values) == 2
                        and isinstance(value.values[0], ast.Constant)
                        and isinstance(value.values[1], ast.FormattedValue)
                        and isinstance(value.values[1].value, ast.Name)):
                    prefix = value.values[0].value
                    if prefix in ENUMERATED:
                        codes.update(ENUMERATED[prefix])
                        continue
                    values = _helper_arguments(tree, function, value.values[1].value.id)
                    if values is not None:
                        codes.update(prefix + v for v in values)
                        continue
                unreadable.append(where)
    return codes, unreadable


def test_the_walk_finds_the_codes_it_should():
    codes, _unreadable = written_codes()
    # one of each kind of call: a literal, a helper's argument, an enumerated f-string, a conditional
    assert {"resident.reveal_contact", "service_order.take", "case.rated", "service_offering.relist",
            "patrol.stop_note", "mediation.add_session", "roster.export"} <= codes


def test_every_written_action_code_has_a_label():
    codes, unreadable = written_codes()
    assert unreadable == [], "audit_record(action=...) the walk cannot read: use a literal or a helper"
    labels = audit_labels.registry()
    assert sorted(codes - set(labels)) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_label_is_words_in_both_languages(language):
    with override(language):
        for code, label in audit_labels.registry().items():
            text = str(label)
            assert text and text != code, code
            if language == "en":
                assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), (code, text)


def test_filter_by_words_finds_codes_in_either_language():
    with override("zh-hans"):
        assert "case.rated" in audit_labels.codes_matching("评价")
        assert "case.rated" in audit_labels.codes_matching("rat")  # the English label or the code
    assert audit_labels.codes_matching("  ") == []


def test_changes_and_values_in_words():
    with override("zh-hans"):
        [change] = audit_labels.changes_in_words("casework.case", {"status": ["verified", "rated"]})
        assert (change.field, change.old, change.new) == ("状态", "已核查待评价", "已评价")
        [created] = audit_labels.changes_in_words("casework.serviceorder", {"status": [None, "ordered"]})
        assert created.old is None and created.new != "ordered"
    with override("en"):
        [change] = audit_labels.changes_in_words("casework.case", {"status": ["verified", "rated"]})
        assert change.field == "Status" and change.new == "Rated"


def test_residents_count_reads_a_list_or_a_count():
    assert audit_labels.residents_count({"residents": [1, 2, 3]}) == 3
    assert audit_labels.residents_count({"residents": 8217, "households": 3000}) == 8217
    assert audit_labels.residents_count({}) is None


def test_a_change_key_that_is_a_reverse_relation_reads_from_the_registry():
    # "user" on org.resident is a OneToOneField; on accounts.user "resident" is its reverse (no verbose_name)
    [change] = audit_labels.changes_in_words("accounts.user", {"resident": [None, 5]})
    assert change.field == "resident" and change.new == "5"
