"""The place picker's village list (webapp/village_options.py): built once per grid, escaped, and
only the chosen village marked."""
from __future__ import annotations

from engine.org.places import Place
from webapp.village_options import village_options

TOWN = Place(1, "T01", "城关镇", "town", None)
AREA = Place(2, "T01-A01", '一区 "东"', "area", 1)
VILLAGES = (Place(3, "T01-A01-V01", "幸福村", "village", 2), Place(4, "T01-A01-V010", "<b>新村</b>", "village", 2))


def test_names_are_escaped_and_nothing_is_chosen_without_a_choice():
    html = str(village_options(((TOWN, AREA, VILLAGES),), None))
    assert '<optgroup label="城关镇 · 一区 &#34;东&#34;">' in html
    assert "&lt;b&gt;新村&lt;/b&gt;" in html and "<b>" not in html
    assert "selected" not in html


def test_only_the_chosen_village_is_marked_even_when_its_code_starts_another():
    groups = ((TOWN, AREA, VILLAGES),)
    html = str(village_options(groups, "T01-A01-V01"))
    assert html.count("selected") == 1
    assert '<option value="T01-A01-V01" selected>幸福村</option>' in html
    # The next page without a choice gets the list unmarked, though it was built once.
    assert "selected" not in str(village_options(groups, ""))
    assert "selected" not in str(village_options(groups, '"><script>'))


def test_a_changed_grid_is_built_again():
    before = str(village_options(((TOWN, AREA, VILLAGES),), None))
    renamed = (TOWN, AREA, (VILLAGES[0]._replace(name="幸福社区"), VILLAGES[1]))
    after = str(village_options((renamed,), None))
    assert "幸福村" in before and "幸福社区" in after and "幸福村" not in after
