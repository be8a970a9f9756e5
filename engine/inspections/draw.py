"""The 双随机 draw: which objects are inspected and by whom, from a seed fixed before the draw.

Every choice is an ordering by SHA-256 of the seed and the ids involved — not a random number
generator's stream — so the result does not depend on the order the lists are given in, on the
Python version, or on the language: anyone holding the published seed, quotas, lists and rules can
recompute it (docs/inspections.md).

1. Objects: per supervision class, the objects not on the positive list (正面清单) are ranked by
   ``H(seed|object|id)``; the first ``ceil(rate × eligible)`` are drawn.
2. Inspectors: the drawn objects are taken in rank order; for each, the inspectors the avoidance
   rules allow (not of the object's grid, not among the object's last inspectors) are ordered by how
   many objects they already hold, then by ``H(seed|pair|object|inspector)``; the first
   ``per_object`` are taken, keeping enough places for ``bureau_min`` bureau inspectors.
   An object without enough allowed inspectors is listed as unmatched with the reason.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Mapping

TOO_FEW_INSPECTORS = "too_few_inspectors"
NO_BUREAU_INSPECTOR = "no_bureau_inspector"


class DrawError(ValueError):
    """The draw's inputs are inconsistent; the message says which and why."""


@dataclass(frozen=True)
class DrawObject:
    """One object of the list (一单): an enterprise, with what the rules look at."""

    id: int
    klass: str
    grid: str
    listed: bool = False
    last_inspectors: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DrawInspector:
    """One inspector of the pool (两库): the bureau's own, or another department's for joint draws."""

    id: int
    bureau: bool
    grids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DrawRules:
    per_object: int = 2
    bureau_min: int = 1


@dataclass(frozen=True)
class Pairing:
    object_id: int
    inspector_ids: tuple[int, ...]


@dataclass(frozen=True)
class DrawResult:
    seed: str
    quotas: dict[str, tuple[int, int]]  # class -> (eligible objects, objects drawn)
    pairings: tuple[Pairing, ...]
    unmatched: tuple[tuple[int, str], ...]  # (object id, reason)

    def as_json(self) -> dict:
        return {"seed": self.seed,
                "quotas": {k: {"eligible": e, "drawn": d} for k, (e, d) in sorted(self.quotas.items())},
                "pairings": [{"object": p.object_id, "inspectors": list(p.inspector_ids)} for p in self.pairings],
                "unmatched": [{"object": o, "reason": r} for o, r in self.unmatched]}


def seed_for(public_value: str, plan_id: int) -> str:
    """The seed of a plan's draw: fixed by a value published before the draw (for example the
    closing index of a named day, or a lottery result) and the plan's id, so nobody can choose it."""
    if not public_value.strip():
        raise DrawError("the public value the seed is made from is empty")
    return hashlib.sha256(f"{public_value.strip()}|plan:{plan_id}".encode()).hexdigest()


def rank(seed: str, *parts: object) -> str:
    return hashlib.sha256("|".join([seed, *(str(p) for p in parts)]).encode()).hexdigest()


def quota(rate: str | Fraction, eligible: int) -> int:
    """Objects to draw of ``eligible``: the rate rounded up, so a class that has objects is never
    skipped (a 5 % rate of 10 objects draws 1)."""
    return math.ceil(Fraction(rate) * eligible)


def _check(rates: Mapping[str, str], objects: list[DrawObject], inspectors: list[DrawInspector],
           rules: DrawRules) -> None:
    if len({o.id for o in objects}) != len(objects):
        raise DrawError("an object appears twice in the object list")
    if len({i.id for i in inspectors}) != len(inspectors):
        raise DrawError("an inspector appears twice in the pool")
    for klass, rate in rates.items():
        try:
            value = Fraction(rate)
        except (ValueError, ZeroDivisionError) as exc:
            raise DrawError(f"the rate of class {klass!r} is not a number: {rate!r}") from exc
        if not 0 <= value <= 1:
            raise DrawError(f"the rate of class {klass!r} must be between 0 and 1, got {rate}")
    if rules.per_object < 1 or not 0 <= rules.bureau_min <= rules.per_object:
        raise DrawError(f"inspectors per object {rules.per_object}, of them from the bureau at least "
                        f"{rules.bureau_min}: need 1 ≤ bureau ≤ per object")


def draw(seed: str, rates: Mapping[str, str], objects: Iterable[DrawObject], inspectors: Iterable[DrawInspector],
         rules: DrawRules = DrawRules()) -> DrawResult:
    """The draw; a class without a rate is not drawn from."""
    objects, inspectors = list(objects), list(inspectors)
    _check(rates, objects, inspectors, rules)
    quotas: dict[str, tuple[int, int]] = {}
    drawn: list[DrawObject] = []
    for klass in sorted(rates):
        pool = sorted((o for o in objects if o.klass == klass and not o.listed),
                      key=lambda o: rank(seed, "object", o.id))
        count = quota(rates[klass], len(pool))
        quotas[klass] = (len(pool), count)
        drawn.extend(pool[:count])
    drawn.sort(key=lambda o: rank(seed, "object", o.id))

    load: Counter[int] = Counter()
    pairings: list[Pairing] = []
    unmatched: list[tuple[int, str]] = []
    for obj in drawn:
        allowed = sorted((i for i in inspectors if obj.grid not in i.grids and i.id not in obj.last_inspectors),
                         key=lambda i: (load[i.id], rank(seed, "pair", obj.id, i.id)))
        chosen = _choose(allowed, rules)
        if chosen is None:
            enough = len(allowed) >= rules.per_object
            unmatched.append((obj.id, NO_BUREAU_INSPECTOR if enough else TOO_FEW_INSPECTORS))
            continue
        load.update(i.id for i in chosen)
        pairings.append(Pairing(obj.id, tuple(i.id for i in chosen)))
    return DrawResult(seed, quotas, tuple(pairings), tuple(unmatched))


def _choose(allowed: list[DrawInspector], rules: DrawRules) -> list[DrawInspector] | None:
    chosen: list[DrawInspector] = []
    for inspector in allowed:
        if len(chosen) == rules.per_object:
            break
        bureau_short = rules.bureau_min - sum(c.bureau for c in chosen)
        if not inspector.bureau and rules.per_object - len(chosen) <= bureau_short:
            continue  # the places left are the bureau's
        chosen.append(inspector)
    if len(chosen) < rules.per_object or sum(c.bureau for c in chosen) < rules.bureau_min:
        return None
    return chosen


# What is published (一公开) and what verification reads back: every input and the result.
def inputs_json(seed: str, rates: Mapping[str, str], objects: Iterable[DrawObject],
                inspectors: Iterable[DrawInspector], rules: DrawRules) -> dict:
    return {"seed": seed, "rates": {k: str(Fraction(v)) for k, v in sorted(rates.items())},
            "rules": {"per_object": rules.per_object, "bureau_min": rules.bureau_min},
            "objects": [{"id": o.id, "class": o.klass, "grid": o.grid, "listed": o.listed,
                         "last_inspectors": sorted(o.last_inspectors)} for o in sorted(objects, key=lambda o: o.id)],
            "inspectors": [{"id": i.id, "bureau": i.bureau, "grids": sorted(i.grids)}
                           for i in sorted(inspectors, key=lambda i: i.id)]}


def draw_from_inputs(inputs: dict) -> DrawResult:
    """The draw recomputed from published inputs (``inputs_json``)."""
    try:
        objects = [DrawObject(o["id"], o["class"], o["grid"], o["listed"], frozenset(o["last_inspectors"]))
                   for o in inputs["objects"]]
        inspectors = [DrawInspector(i["id"], i["bureau"], frozenset(i["grids"])) for i in inputs["inspectors"]]
        rules = DrawRules(**inputs["rules"])
        return draw(inputs["seed"], inputs["rates"], objects, inspectors, rules)
    except (KeyError, TypeError) as exc:
        raise DrawError(f"the published inputs are incomplete: {exc}") from exc


def digest(document: dict) -> str:
    """SHA-256 of a canonical JSON form: the fingerprint printed next to a published draw."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def published(inputs: dict, result: DrawResult) -> dict:
    """The document published with a draw (一公开): inputs, result and their fingerprint."""
    body = {"inputs": inputs, "result": result.as_json()}
    return {**body, "digest": digest(body)}


def verify(document: dict) -> list[str]:
    """What does not hold in a published draw (empty when it recomputes exactly)."""
    problems = []
    body = {"inputs": document.get("inputs"), "result": document.get("result")}
    if document.get("digest") != digest(body):
        problems.append("the fingerprint does not match the published inputs and result")
    if not isinstance(body["inputs"], dict):
        return problems + ["the published inputs are missing"]
    if body["inputs"].get("seed") != (body["result"] or {}).get("seed"):
        problems.append("the result names another seed than the inputs")
    try:
        again = draw_from_inputs(body["inputs"]).as_json()
    except DrawError as exc:
        return problems + [str(exc)]
    if again != body["result"]:
        problems.append("recomputing the draw from the published inputs gives another result")
    return problems
