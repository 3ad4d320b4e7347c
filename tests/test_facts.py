"""Tests for target extraction and the facts read from the AST, over real cell shapes."""

from __future__ import annotations

import re

import pytest

from docgen_magic.core.cell import parse_cell
from docgen_magic.core.facts import (
    Attribute,
    Param,
    ParamKind,
    Target,
    TargetKind,
    extract_targets,
    is_documented,
)
from tests.shapes import SHAPE_IDS, SHAPE_TEXT, SHAPES

P = ParamKind


def targets_of(shape_id: str, *, nested: bool = False) -> dict[str, Target]:
    return {t.qualname: t for t in extract_targets(parse_cell(SHAPE_TEXT[shape_id]), nested_functions=nested)}


@pytest.mark.parametrize(("shape_id", "text"), SHAPES, ids=SHAPE_IDS)
def test_every_target_points_at_its_own_def_line_and_source(shape_id: str, text: str) -> None:
    cell = parse_cell(text)
    targets = extract_targets(cell, nested_functions=True)
    assert len({t.qualname for t in targets}) == len(targets)
    assert [t.lineno for t in targets] == sorted(t.lineno for t in targets)
    for target in targets:
        keyword = "class" if target.is_class else "def"
        assert re.match(rf"\s*(async\s+)?{keyword}\s+{target.name}\b", cell.lines[target.lineno - 1])
        assert target.source in text
        assert target.end_lineno >= target.lineno
        first_line = target.source.splitlines()[0]
        assert first_line.startswith("@" if target.decorators else keyword) or first_line.startswith("async")


def test_plain_function() -> None:
    add = targets_of("plain_function")["add"]
    assert add.kind is TargetKind.FUNCTION
    assert add.params == (Param("a", P.POSITIONAL_OR_KEYWORD), Param("b", P.POSITIONAL_OR_KEYWORD))
    assert add.returns_value and not add.is_generator and not add.is_async
    assert add.raises == () and add.docstring is None
    assert add.source == "def add(a, b):\n    return a + b"
    assert (add.lineno, add.end_lineno) == (1, 2)


def test_annotations_and_defaults_keep_the_users_spelling() -> None:
    scale = targets_of("annotated_defaults")["scale"]
    assert scale.params == (
        Param("values", P.POSITIONAL_OR_KEYWORD, "list[float]"),
        Param("factor", P.POSITIONAL_OR_KEYWORD, "float", "2.0"),
        Param("clip", P.KEYWORD_ONLY, "bool | None", "None"),
    )
    assert scale.returns_annotation == "list[float]"
    cell = parse_cell("def f(x: 'Dict[str,int]' = {'a' : 1}) -> Optional[ 'X' ]:\n    pass\n")
    (f,) = extract_targets(cell)
    assert f.params == (Param("x", P.POSITIONAL_OR_KEYWORD, "'Dict[str,int]'", "{'a' : 1}"),)
    assert f.returns_annotation == "Optional[ 'X' ]"
    assert not f.returns_value


def test_parameter_kinds() -> None:
    call = targets_of("star_args_kwargs")["call"]
    assert [(p.display_name, p.kind) for p in call.params] == [
        ("fn", P.POSITIONAL_ONLY), ("first", P.POSITIONAL_OR_KEYWORD), ("*args", P.VAR_POSITIONAL),
        ("key", P.KEYWORD_ONLY), ("**kwargs", P.VAR_KEYWORD)]
    assert call.params[3].default == "None"
    clamp = targets_of("positional_keyword_only")["clamp"]
    assert [(p.name, p.kind, p.default) for p in clamp.params] == [
        ("x", P.POSITIONAL_ONLY, None), ("lo", P.POSITIONAL_ONLY, "0"), ("hi", P.POSITIONAL_OR_KEYWORD, "10"),
        ("strict", P.KEYWORD_ONLY, "False")]
    assert clamp.raises == ("ValueError",)


def test_methods_properties_static_and_class_methods() -> None:
    found = targets_of("class_with_methods")
    assert list(found) == ["Account", "Account.__init__", "Account.deposit", "Account.rich", "Account.rate",
                           "Account.empty"]
    assert found["Account"].kind is TargetKind.CLASS
    assert found["Account"].attributes == (
        Attribute("interest", "float"), Attribute("kind"), Attribute("owner"), Attribute("balance", "float"))
    assert found["Account.__init__"].kind is TargetKind.METHOD
    assert [p.name for p in found["Account.__init__"].params] == ["owner", "balance"]
    assert not found["Account.__init__"].returns_value
    assert found["Account.deposit"].raises == ("ValueError",)
    assert found["Account.rich"].kind is TargetKind.PROPERTY
    assert found["Account.rich"].params == ()
    assert found["Account.rich"].decorators == ("property",)
    assert found["Account.rate"].kind is TargetKind.STATICMETHOD
    assert found["Account.rate"].params == (Param("years", P.POSITIONAL_OR_KEYWORD, "int"),)
    assert found["Account.empty"].kind is TargetKind.CLASSMETHOD
    assert found["Account.empty"].params == (Param("owner", P.POSITIONAL_OR_KEYWORD, "str"),)
    assert found["Account.empty"].returns_annotation == "'Account'"
    assert found["Account.rate"].source == (
        "@staticmethod\n    def rate(years: int) -> float:\n        return 0.01 * years")


def test_dataclass_fields_are_attributes() -> None:
    found = targets_of("dataclass")
    point = found["Point"]
    assert point.attributes == (
        Attribute("x", "float"), Attribute("y", "float"), Attribute("tags", "list[str]"))
    assert point.decorators == ("dataclass(frozen=True)",)
    assert point.lineno == 4
    assert point.source.startswith("@dataclass(frozen=True)\nclass Point:\n")
    assert found["Point.norm"].params == ()


def test_generics_and_protocols() -> None:
    found = targets_of("generics_protocol")
    assert list(found) == ["SupportsClose", "SupportsClose.close", "Box", "Box.__init__", "Box.get"]
    assert found["Box"].attributes == (Attribute("item"),)
    assert found["Box.__init__"].params == (Param("item", P.POSITIONAL_OR_KEYWORD, "T"),)
    assert found["Box.get"].returns_annotation == "T"
    assert not found["SupportsClose.close"].returns_value


def test_overload_stubs_and_property_setters_are_not_targets() -> None:
    found = targets_of("overloads")
    assert list(found) == ["parse"]
    assert found["parse"].lineno == 8
    assert "Account.rich#2" not in targets_of("class_with_methods")


def test_nested_classes_and_nested_functions() -> None:
    assert list(targets_of("nested_classes")) == ["Outer", "Outer.Inner", "Outer.Inner.method", "Outer.run"]
    nested = targets_of("nested_classes", nested=True)
    assert list(nested) == ["Outer", "Outer.Inner", "Outer.Inner.method", "Outer.run", "Outer.run.step"]
    assert nested["Outer.run.step"].kind is TargetKind.FUNCTION
    assert nested["Outer.Inner.method"].params == (Param("x", P.POSITIONAL_OR_KEYWORD),)
    closure = targets_of("nested_function_closure", nested=True)
    assert list(closure) == ["make_counter", "make_counter.increment"]
    assert closure["make_counter.increment"].lineno == 3


def test_returns_only_count_in_the_functions_own_scope() -> None:
    found = targets_of("returns_none_only", nested=True)
    assert not found["log"].returns_value
    assert not found["outer"].returns_value  # the nested def and the lambda return, outer does not
    assert found["outer.helper"].returns_value


def test_generators() -> None:
    found = targets_of("generators")
    assert found["count_up"].is_generator and not found["count_up"].returns_value
    assert found["chain"].is_generator
    assert found["ticks"].is_generator and found["ticks"].is_async
    assert found["ticks"].params == (Param("n", P.POSITIONAL_OR_KEYWORD, "int"),)
    cell = parse_cell("def f():\n    def g():\n        yield 1\n    return g\n")
    (f,) = extract_targets(cell)
    assert not f.is_generator and f.returns_value


def test_raises_direct_new_exceptions_only_in_order() -> None:
    check = targets_of("raises")["check"]
    # raise exc (bound by except ZeroDivisionError as exc) and a bare raise in except OSError re-raise the
    # caught types; ValueError is listed once.
    assert check.raises == ("ValueError", "mod.NegativeError", "ZeroDivisionError", "OSError", "LookupError")
    found = targets_of("decorators_with_args", nested=True)
    assert found["retry.wrap.inner"].raises == ("RuntimeError",)
    assert found["retry"].raises == ()
    cell = parse_cell("def f(err):\n    e = KeyError()\n    if err:\n        raise err\n    raise e\n")
    assert extract_targets(cell)[0].raises == ()
    nested = parse_cell("def f():\n    try:\n        g()\n    except (KeyError, IndexError):\n"
                        "        try:\n            h()\n        except OSError:\n            raise\n"
                        "        raise\n    except Exception:\n        pass\n")
    assert extract_targets(nested)[0].raises == ("OSError", "KeyError", "IndexError")


def test_existing_docstrings_are_read_raw() -> None:
    found = targets_of("partial_docstrings")
    assert found["documented"].docstring == "Already documented."
    assert found["half"].docstring == "Does something.\n\n    Args:\n        a: the first.\n    "
    assert found["Thing"].docstring == "single quoted docstring"
    assert is_documented(found["half"]) and not is_documented(found["Thing.act"])
    (f,) = extract_targets(parse_cell('def f():\n    """  """\n'))
    assert f.docstring == "  " and not is_documented(f)
    (g,) = extract_targets(parse_cell(SHAPE_TEXT["body_starts_with_string_expr"]))
    assert g.docstring is None


def test_strings_and_lambdas_are_not_targets() -> None:
    assert list(targets_of("string_with_def")) == ["render"]
    assert list(targets_of("lambda_assignments")) == ["apply"]
    assert list(targets_of("main_guard")) == ["main"]


def test_definitions_in_top_level_blocks_get_unique_qualnames_in_source_order() -> None:
    found = extract_targets(parse_cell(SHAPE_TEXT["conditional_defs"]))
    assert [(t.qualname, t.lineno) for t in found] == [("sep", 4), ("sep#2", 7), ("mean", 13), ("mean#2", 16)]
    assert all(t.kind is TargetKind.FUNCTION for t in found)


def test_original_line_numbers_with_magics_and_shifted_lines() -> None:
    found = targets_of("line_magics")
    assert (found["plot"].lineno, found["other"].lineno) == (5, 10)
    assert targets_of("continued_magic")["after"].lineno == 3
    shell = targets_of("shell_escapes")
    assert (shell["count"].lineno, shell["last"].lineno) == (4, 10)
    assert shell["last"].source == "def last():\n    return None"


def test_source_keeps_line_endings_tabs_and_unicode() -> None:
    crlf = targets_of("crlf")
    assert crlf["K"].source == "class K:\r\n    def m(self):\r\n        return 1"
    assert crlf["K.m"].source == "def m(self):\r\n        return 1"
    tabs = targets_of("tabs")
    assert tabs["T.m"].source == "def m(self):\n\t\treturn 2"
    uni = targets_of("unicode_names")
    assert uni["größe"].params == (Param("länge", P.POSITIONAL_OR_KEYWORD, "float"),
                                   Param("ширина", P.POSITIONAL_OR_KEYWORD, "float", "1.0"))
    assert uni["Café.serve"].source == "def serve(self, 数量: int):\n        return '☕' * 数量"
    assert targets_of("one_liner_comment")["ident"].source == "def ident(x): return x"


def test_magic_inside_a_body_is_kept_in_the_source() -> None:
    cell = parse_cell("def f():\n    x = 1\n    !ls\n")
    (f,) = extract_targets(cell)
    assert f.source == "def f():\n    x = 1\n    !ls"
    assert f.end_lineno == 3


def test_non_python_cell_magic_and_empty_cells_have_no_targets() -> None:
    for shape_id in ("cell_magic_bash", "empty", "whitespace"):
        assert targets_of(shape_id) == {}


def test_a_python_bodied_cell_magic_has_the_targets_of_its_body() -> None:
    timed = targets_of("cell_magic")["timed"]
    assert timed.lineno == 2 and timed.returns_value


def test_async_function_and_await_cell() -> None:
    fetch_all = targets_of("async_function")["fetch_all"]
    assert fetch_all.is_async and fetch_all.returns_value
    assert fetch_all.returns_annotation == "dict[str, int]"
    assert list(targets_of("top_level_await")) == ["wait", "use"]
    assert targets_of("match_statement")["describe"].raises == ("TypeError",)


def test_raise_through_a_factory_names_no_exception_type() -> None:
    cell = parse_cell(
        "class P:\n"
        "    def g(self, e):\n        raise self._map_error(e)\n"
        "    def h(self):\n        raise errors.Invalid('x')\n"
        "    def k(self):\n        raise make_error('x')\n"
        "    def m(self):\n        raise socket.error\n")
    raises = {t.qualname: t.raises for t in extract_targets(cell)}
    assert raises == {"P": (), "P.g": (), "P.h": ("errors.Invalid",), "P.k": (), "P.m": ("socket.error",)}


def test_raise_through_a_private_factory_names_no_exception_type() -> None:
    cell = parse_cell("def f(x):\n    raise _make_error(x)\n\ndef g():\n    raise _Private('x')\n")
    assert [t.raises for t in extract_targets(cell)] == [(), ("_Private",)]
