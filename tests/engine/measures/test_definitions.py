"""Each measure is defined once: names, facts and the English the web app shows agree."""
from pathlib import Path

from babel.messages.pofile import read_po

from engine.measures import FACTS, MEASURE_LIST, fact_name, fact_name_en, get_measure

PO = Path(__file__).resolve().parents[3] / "webapp/translations/en/LC_MESSAGES/messages.po"


def test_every_measure_reads_facts_that_exist():
    for m in MEASURE_LIST:
        assert m.numerator in FACTS and (m.denominator is None or m.denominator in FACTS)
    assert [m.code for m in MEASURE_LIST][:3] == ["received", "accepted", "closed"]
    assert get_measure("closure_rate").fact("denominator") == "accepted"
    assert get_measure("overdue").fact("denominator") == "overdue"  # a count's one side


def test_the_english_names_are_the_catalogue_s():
    with PO.open("rb") as f:
        catalogue = {m.id: m.string for m in read_po(f) if m.id}
    for code in FACTS:
        assert catalogue[fact_name(code)] == fact_name_en(code), code
    assert get_measure("satisfaction_rate").name == "满意率"
