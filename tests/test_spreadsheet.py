import pytest

from casework.matching.cli import main as linklists_main
from casework.spreadsheet import safe_cell


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_formula_cells_are_written_as_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Тагирова", "Umm Bilal", "", 3, None, "a=b"])
def test_other_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_linklists_output_never_carries_a_formula(tmp_path):
    header = "record_id,family_name,given_name,sex,birth_date\n"
    (tmp_path / "l.csv").write_text(header + "=1+1,Testova,Amina,F,2015-04-01\n")
    (tmp_path / "r.csv").write_text(header + "@SUM(A1),Testova,Amina,F,2015-04-01\n")
    out = tmp_path / "pairs.csv"
    linklists_main([str(tmp_path / "l.csv"), str(tmp_path / "r.csv"), "--output", str(out)])
    body = out.read_text()
    assert "'=1+1,'@SUM(A1)," in body
