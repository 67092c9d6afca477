import time
import xml.etree.ElementTree as etree

import pytest

from app.content.mathml import (
    MATHML_ATTRIBUTES,
    MATHML_TAGS,
    MAX_DEPTH,
    MAX_TEX_CHARS,
    TexError,
    tex_to_mathml,
)

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def parsed(tex: str, *, display: bool = False) -> etree.Element:
    return etree.fromstring(tex_to_mathml(tex, display=display))


def test_a_fraction_becomes_mathml_with_its_tex_alongside() -> None:
    math = parsed(r"\frac{a}{b}")

    assert math.tag == f"{MATHML}math" and math.get("display") == "inline"
    semantics = math.find(f"{MATHML}semantics")
    assert semantics is not None
    assert semantics.find(f".//{MATHML}mfrac") is not None
    annotation = semantics.find(f"{MATHML}annotation")
    assert annotation is not None
    assert annotation.get("encoding") == "application/x-tex"
    assert annotation.text == r"\frac{a}{b}"


def test_display_maths_is_a_block() -> None:
    assert parsed("x", display=True).get("display") == "block"


def test_characters_are_characters_not_references() -> None:
    markup = tex_to_mathml(r"\alpha \le \infty", display=False)
    assert "α" in markup and "≤" in markup and "∞" in markup
    assert "&#x" not in markup and "&amp;#" not in markup


@pytest.mark.parametrize("tex", [r"a < b", r"\text{a<b & c}", r"\text{</math><script>}"])
def test_text_in_the_tex_stays_text(tex: str) -> None:
    markup = tex_to_mathml(tex, display=False)
    assert "<script" not in markup
    math = etree.fromstring(markup)  # well-formed: every < and & is escaped
    assert "".join(math.itertext()).endswith(tex)


def test_aligned_lays_out_as_a_table() -> None:
    math = parsed(r"\begin{aligned} a &= b & x &= 1 \\ c &= d & y &= 2 \end{aligned}",
                  display=True)
    assert len(math.findall(f".//{MATHML}mtr")) == 2
    assert len(math.findall(f".//{MATHML}mtd")) == 8


@pytest.mark.parametrize(("tex", "shown"), [
    (r"\arg\max_x f", "argmax"),
    (r"\big\vert x \bigg\Vert", "|x‖"),
    (r"a \nonumber", "a"),
    (r"\dag \ddag \dagger", "†‡†"),
    # latex2mathml would write the TeX of a sized delimiter, not its character.
    (r"\Big\{ x \Big\} \bigl\langle y \bigr\rangle \big\| z \big\|", "{x}⟨y⟩‖z‖"),
])
def test_standard_latex_that_latex2mathml_lacks_is_converted(tex: str, shown: str) -> None:
    math = parsed(tex)
    assert "".join(math.find(f"{MATHML}semantics")[0].itertext()).startswith(shown)


def test_an_alias_is_a_whole_command_never_part_of_one_or_text() -> None:
    with pytest.raises(TexError, match=r"unknown command \\vertical"):
        tex_to_mathml(r"\vertical", display=False)
    # \\ is a new line, and "vert" after it plain letters.
    assert "".join(parsed(r"a \\vert").itertext()).startswith("avert")


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\foo + 1", r"unknown command \foo"),
        (r"\frac{a}", "missing a part"),
        (r"\limits", "missing a part"),
        (r"x^", "^ or _ has nothing after it"),
        (r"x^a^b", "double superscript"),
        (r"\left( x", "do not pair up"),
        (r"\sqrt", "ends too early"),
        (r"\begin{matrix} a", "no matching \\end"),
        (r"a & b", "& outside a matrix"),
        ("   ", "empty"),
    ],
)
def test_tex_that_cannot_be_converted_is_refused_saying_why(tex: str, message: str) -> None:
    with pytest.raises(TexError) as caught:
        tex_to_mathml(tex, display=False)
    assert message in caught.value.message


def test_a_backslash_symbol_is_not_an_unknown_command() -> None:
    assert "\\" in "".join(parsed(r"\backslash").itertext())


def test_too_long_tex_is_refused_before_converting() -> None:
    started = time.perf_counter()
    with pytest.raises(TexError, match=f"longer than {MAX_TEX_CHARS:,}"):
        tex_to_mathml("x+" * MAX_TEX_CHARS, display=True)
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize("depth", [MAX_DEPTH, 2_000])  # 2,000: past Python's stack
def test_deeply_nested_tex_is_refused(depth: int) -> None:
    with pytest.raises(TexError, match="nested"):
        tex_to_mathml("{" * depth + "x" + "}" * depth, display=False)


def test_macros_that_expand_without_end_are_refused_quickly() -> None:
    # Each macro is ten of the one before: \f would be a million x.
    bomb = r"\def\a{xxxxxxxxxx}" + "".join(
        "\\def\\" + b + "{" + ("\\" + a) * 10 + "}" for a, b in zip("abcde", "bcdef", strict=True))
    started = time.perf_counter()
    with pytest.raises(TexError, match="nested too deeply"):
        tex_to_mathml(bomb + r"\f", display=False)
    assert time.perf_counter() - started < 5


def test_every_element_and_attribute_written_is_on_the_allow_list() -> None:
    samples = [r"\frac{a}{b}", r"\sqrt[3]{x}", r"\sum_{i=1}^n x_i^2", r"\int_0^\infty e^{-x}\,dx",
               r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\left( \frac12 \right)",
               r"\begin{array}{c|c} a & b \\ \hline c & d \end{array}", r"\hat{x} \vec{v}",
               r"\binom{n}{k}", r"\dfrac12", r"\boxed{x}", r"\mathbf{x} \mathrm{d}",
               r"\xrightarrow{f}", r"a \not= b", r"\overbrace{a+b}^{n}", r"\quad \\",
               r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
               r"\lim_{x \to 0} \det \pmod{n}", r"\begin{align} a &= b \end{align}"]
    for tex in samples:
        for element in parsed(tex, display=True).iter():
            tag = element.tag.removeprefix(MATHML)
            assert tag in MATHML_TAGS, (tex, tag)
            assert set(element.attrib) <= MATHML_ATTRIBUTES[tag], (tex, tag, element.attrib)


def test_color_with_two_arguments_colours_only_its_argument_in_an_aligned_row() -> None:
    # MathJax's \color{c}{x}, as Jekyll and Hugo sites wrote it: latex2mathml alone read it as
    # a switch that swallowed the row's `&` and refused the whole block.
    math = tex_to_mathml(r"\begin{aligned} a =& \color{red}{b \frac{1}{2}} & c \\ d =& e"
                         r"\end{aligned}", display=True)
    assert '<mstyle mathcolor="red"><mi>b</mi><mfrac>' in math
    assert math.count("<mtd") == 5


def test_a_bracket_opening_the_first_row_of_cases_is_the_maths_own_bracket() -> None:
    # latex2mathml read it as an optional argument of \begin{cases}, which has none, and
    # refused the block (a real post's binarised gate vectors, rendered by MathJax).
    math = tex_to_mathml(r"\begin{cases} [1, 0] & p_1 \\ [0, 1] & p_2 \end{cases}",
                         display=True)
    assert math.count("<mtr>") == 2
    assert math.count('<mo stretchy="false">[</mo>') == 2


def test_an_arrays_column_specification_is_still_its_argument() -> None:
    math = tex_to_mathml(r"\begin{array}{cc} a & b \end{array}", display=True)
    assert math.count("<mtd") == 2


def test_an_aligned_block_without_ampersands_has_no_empty_column_spacing() -> None:
    # latex2mathml wrote columnspacing="", which HTML checkers refuse.
    math = tex_to_mathml(r"\begin{aligned} a = b \\ c = d \end{aligned}", display=True)
    assert 'columnspacing=""' not in math and "<mtable" in math
