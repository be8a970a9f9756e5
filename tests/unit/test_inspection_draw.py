"""The 双随机 draw (engine/inspections/draw.py): same inputs give the same result in any list order;
quotas are met; no avoidance rule is broken; an object goes unmatched only when no allowed pair exists;
a published draw recomputes from its published inputs."""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.inspections.draw import (NO_BUREAU_INSPECTOR, TOO_FEW_INSPECTORS, DrawError, DrawInspector, DrawObject,
                                     DrawRules, digest, draw, draw_from_inputs, inputs_json, published, quota, seed_for,
                                     verify)

ROOT = Path(__file__).resolve().parents[2]
GRIDS = [f"T0{t}-A0{a}" for t in range(1, 4) for a in range(1, 3)]
CLASSES = ["key", "general", "special"]
RATES = st.fixed_dictionaries({k: st.sampled_from(["0", "1/20", "1/4", "1/2", "1"]) for k in CLASSES})


@st.composite
def cases(draw_, max_objects=40, max_inspectors=12):
    n_inspectors = draw_(st.integers(0, max_inspectors))
    inspectors = [DrawInspector(100 + i, draw_(st.booleans()), frozenset(draw_(st.sets(st.sampled_from(GRIDS),
                                                                                      max_size=2))))
                  for i in range(n_inspectors)]
    ids = [i.id for i in inspectors]
    objects = [DrawObject(1 + o, draw_(st.sampled_from(CLASSES)), draw_(st.sampled_from(GRIDS)), draw_(st.booleans()),
                          frozenset(draw_(st.sets(st.sampled_from(ids), max_size=2)) if ids else ()))
               for o in range(draw_(st.integers(0, max_objects)))]
    per_object = draw_(st.integers(1, 3))
    rules = DrawRules(per_object, draw_(st.integers(0, per_object)))
    seed = draw_(st.text(min_size=1, max_size=12))
    return seed, draw_(RATES), objects, inspectors, rules


@settings(max_examples=60, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_same_inputs_in_any_order_give_the_same_draw(case, shuffler):
    seed, rates, objects, inspectors, rules = case
    first = draw(seed, rates, objects, inspectors, rules)
    objects2, inspectors2 = objects[:], inspectors[:]
    shuffler.shuffle(objects2)
    shuffler.shuffle(inspectors2)
    assert draw(seed, dict(reversed(list(rates.items()))), objects2, inspectors2, rules) == first


@settings(max_examples=100, deadline=None)
@given(cases())
def test_quotas_are_met_and_no_rule_is_broken(case):
    seed, rates, objects, inspectors, rules = case
    result = draw(seed, rates, objects, inspectors, rules)
    by_id = {o.id: o for o in objects}
    pool = {i.id: i for i in inspectors}

    drawn_ids = [p.object_id for p in result.pairings] + [o for o, _ in result.unmatched]
    assert len(drawn_ids) == len(set(drawn_ids))
    for klass in CLASSES:
        eligible = [o for o in objects if o.klass == klass and not o.listed]
        expected = math.ceil(Fraction(rates[klass]) * len(eligible))
        assert result.quotas[klass] == (len(eligible), expected)
        assert sum(by_id[i].klass == klass for i in drawn_ids) == expected
    assert not any(by_id[i].listed for i in drawn_ids), "an object on the positive list was drawn"

    for pairing in result.pairings:
        obj = by_id[pairing.object_id]
        chosen = [pool[i] for i in pairing.inspector_ids]
        assert len(set(pairing.inspector_ids)) == rules.per_object
        assert sum(i.bureau for i in chosen) >= rules.bureau_min
        assert all(obj.grid not in i.grids for i in chosen), "an inspector drawn for an object in their own grid"
        assert not set(pairing.inspector_ids) & obj.last_inspectors, "the last inspector drawn again"

    for object_id, reason in result.unmatched:
        obj = by_id[object_id]
        allowed = [i for i in inspectors if obj.grid not in i.grids and i.id not in obj.last_inspectors]
        bureau = sum(i.bureau for i in allowed)
        # Unmatched only when no allowed pair exists at all.
        assert len(allowed) < rules.per_object or bureau < rules.bureau_min
        assert reason == (TOO_FEW_INSPECTORS if len(allowed) < rules.per_object else NO_BUREAU_INSPECTOR)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_a_published_draw_recomputes_from_its_published_inputs(case):
    seed, rates, objects, inspectors, rules = case
    result = draw(seed, rates, objects, inspectors, rules)
    published = inputs_json(seed, rates, objects, inspectors, rules)
    assert draw_from_inputs(published) == result
    assert digest(draw_from_inputs(published).as_json()) == digest(result.as_json())


def test_the_work_is_shared_evenly_when_nothing_else_decides():
    inspectors = [DrawInspector(100 + i, True) for i in range(10)]
    objects = [DrawObject(i, "general", "T01-A01") for i in range(1, 101)]
    result = draw(seed_for("上证指数 2026-01-05 收盘 3211.71", 7), {"general": "1/2"}, objects, inspectors)
    load = Counter(i for p in result.pairings for i in p.inspector_ids)
    assert len(result.pairings) == 50 and set(load.values()) == {10}


def test_a_different_seed_draws_differently_and_the_seed_depends_on_the_plan():
    objects = [DrawObject(i, "general", "T01-A01") for i in range(1, 201)]
    inspectors = [DrawInspector(100 + i, True) for i in range(6)]
    a = draw(seed_for("3211.71", 1), {"general": "1/10"}, objects, inspectors)
    b = draw(seed_for("3211.71", 2), {"general": "1/10"}, objects, inspectors)
    assert seed_for("3211.71", 1) != seed_for("3211.71", 2)
    assert {p.object_id for p in a.pairings} != {p.object_id for p in b.pairings}


def test_the_bureau_keeps_its_place_in_a_joint_draw():
    # Four other departments' inspectors rank first for every object; the bureau's one must still be drawn.
    others = [DrawInspector(200 + i, False) for i in range(4)]
    objects = [DrawObject(i, "key", "T01-A01") for i in range(1, 5)]
    result = draw("seed", {"key": "1"}, objects, others + [DrawInspector(1, True)], DrawRules(2, 1))
    assert all(1 in p.inspector_ids for p in result.pairings) and not result.unmatched


def test_rates_round_up_and_an_empty_class_draws_nothing():
    assert quota("1/20", 10) == 1 and quota("1/4", 8) == 2 and quota("1/4", 0) == 0 and quota("0", 50) == 0


@pytest.mark.parametrize(("rates", "objects", "inspectors", "rules", "message"), [
    ({"key": "2"}, [], [], DrawRules(), "between 0 and 1"),
    ({"key": "many"}, [], [], DrawRules(), "not a number"),
    ({}, [DrawObject(1, "key", "g"), DrawObject(1, "key", "g")], [], DrawRules(), "object appears twice"),
    ({}, [], [DrawInspector(1, True), DrawInspector(1, False)], DrawRules(), "inspector appears twice"),
    ({}, [], [], DrawRules(2, 3), "bureau"),
])
def test_inconsistent_inputs_are_refused_with_the_reason(rates, objects, inspectors, rules, message):
    with pytest.raises(DrawError, match=message):
        draw("seed", rates, objects, inspectors, rules)


def test_the_seed_needs_a_public_value_and_the_inputs_must_be_whole():
    with pytest.raises(DrawError, match="empty"):
        seed_for("  ", 1)
    with pytest.raises(DrawError, match="incomplete"):
        draw_from_inputs({"seed": "x", "rates": {}})


def test_a_recorded_draw_gives_the_same_pairs_again():
    # Recorded once: SHA-256 ranks make these pairs the same on any machine, Python version or
    # language that follows docs/inspections.md.
    objects = [DrawObject(i, "key", f"T0{i % 3 + 1}-A01") for i in range(1, 9)]
    inspectors = [DrawInspector(100 + i, i % 2 == 0, frozenset({f"T0{i % 3 + 1}-A01"})) for i in range(6)]
    seed = seed_for("3211.71", 1)
    assert seed == "e758474e6af918b20ac55f5e22928757c8530b5a661c7fb356f62536a66fae10"
    result = draw(seed, {"key": "1/2"}, random.Random(3).sample(objects, 8), inspectors)
    assert [(p.object_id, p.inspector_ids) for p in result.pairings] == \
        [(6, (101, 104)), (4, (103, 100)), (8, (100, 101)), (3, (102, 105))]


def _published_draw() -> dict:
    objects = [DrawObject(i, "key" if i % 4 == 0 else "general", f"T0{i % 3 + 1}-A01") for i in range(1, 41)]
    inspectors = [DrawInspector(100 + i, i % 3 != 0, frozenset({f"T0{i % 3 + 1}-A01"})) for i in range(8)]
    seed, rates, rules = seed_for("3211.71", 9), {"key": "1/4", "general": "1/20"}, DrawRules()
    return published(inputs_json(seed, rates, objects, inspectors, rules), draw(seed, rates, objects, inspectors, rules))


def test_a_published_draw_verifies_and_any_change_is_caught():
    document = _published_draw()
    assert verify(document) == []

    swapped = json.loads(json.dumps(document))
    first = swapped["result"]["pairings"][0]
    first["inspectors"] = list(reversed(first["inspectors"]))
    assert "fingerprint" in verify(swapped)[0]
    swapped["digest"] = digest({"inputs": swapped["inputs"], "result": swapped["result"]})
    assert verify(swapped) == ["recomputing the draw from the published inputs gives another result"]

    dropped = json.loads(json.dumps(document))
    dropped["inputs"]["objects"] = dropped["inputs"]["objects"][1:]
    assert any("fingerprint" in p for p in verify(dropped))


def test_greenloop_draw_verify(tmp_path):
    good, bad = tmp_path / "draw.json", tmp_path / "edited.json"
    document = _published_draw()
    good.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    document["result"]["pairings"].pop()
    bad.write_text(json.dumps(document), encoding="utf-8")
    run = [sys.executable, "-m", "webapp.cli", "draw", "verify"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and ok.stdout.startswith("verified:"), ok.stderr
    refused = subprocess.run([*run, str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 1 and "NOT VERIFIED" in refused.stdout
    missing = subprocess.run([*run, str(tmp_path / "none.json")], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
