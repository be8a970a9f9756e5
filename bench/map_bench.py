"""The map's speed (挂图督办): a county with its generated boundaries and a full map of open cases,
timed through the real Flask views as a county supervisor opens the map.

    greenloop bench map                      # 3,000 open cases (the map's limit) on a temporary SQLite file
    greenloop bench map --database-url postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_bench
    greenloop bench map --quick              # 300 cases, 3 repeats (smoke test)

Figures (server time, medians): ``generate_ms`` draws the demo county's shapes (engine/geo/layout.py);
``cases_ms`` answers /map/cases.json with every case (each title through the complainant redactor;
one in ten holds the complainant's own phone);
``layer_ms`` answers /map/boundaries.json, ``layer_304_ms`` its revalidation.
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bench.harness import bench_database, log, print_figures, signed_in
from bench.options import bench_parser
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.geo import boundaries
from engine.geo.layout import near
from engine.models import CATEGORIES, Case, Department, Grid
from engine.org.seed import seed_departments, seed_grid, seed_staff

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
PASSWORD = "bench-password"
KEYS = ("cases", "generate_ms", "cases_ms", "layer_ms", "layer_304_ms")


def _seed(db, runtime, count: int) -> float:
    rng = random.Random(7)
    with db.write() as s:
        seed_departments(s)
        seed_grid(s)
        seed_staff(s, PASSWORD, whole_county=True)
        started = time.perf_counter()
        layout = boundaries.generated_layout(s)
        generate_ms = (time.perf_counter() - started) * 1000
        boundaries.use_generated(s, "bench", NOW)
        villages = [(g.id, g.code, g.path) for g in s.scalars(select(Grid).where(Grid.level == "village"))]
        departments = list(s.scalars(select(Department.id).where(Department.kind == "bureau")))
        for i in range(1, count + 1):
            grid_id, code, path = villages[rng.randrange(len(villages))]
            lon, lat = near(layout.villages[code], rng) if rng.random() < 0.75 else (None, None)
            s.add(Case(number=f"环字〔2026〕第{i:06d}号", tracking_code=f"M{i:09d}", channel="hotline",
                       category=rng.choice(CATEGORIES), title=_title(rng, i),
                       grid_id=grid_id, grid_path=path, longitude=lon, latitude=lat,
                       complainant_name=f"张{i}", complainant_phone=f"13800{i:06d}", status="handling",
                       stage="handle", colour=rng.choices(["blue", "yellow", "red"], [70, 15, 15])[0],
                       stage_due=NOW + timedelta(hours=rng.uniform(-200, 600)), tier=rng.randint(1, 4),
                       department_id=rng.choice(departments), received_at=NOW - timedelta(days=rng.uniform(0, 90))))
    return generate_ms


def _title(rng: random.Random, i: int) -> str:
    """A complaint's title; one in ten names the complainant's own phone, and one in ten another
    number, as typed at the hotline."""
    roll = rng.random()
    if roll < 0.1:
        return f"夜间排放刺鼻异味，请回电 13800{i:06d}"
    if roll < 0.2:
        return f"搅拌站扬尘，现场联系人电话 0731-8{i:07d}"
    return f"{rng.choice(['河道黑臭', '夜间施工噪声', '露天焚烧', '油烟扰民'])} {i}"


def _median_ms(call, repeat: int) -> float:
    call()  # warm caches and the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = bench_parser("map", __doc__)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.repeat = 300, 3
    from webapp import create_app

    with bench_database("map", args) as (_url, db, _work):
        runtime = build_runtime(db, ManualClock(NOW))
        generate_ms = _seed(db, runtime, args.cases)
        log(f"seeded {args.cases} open cases; generating the county took {generate_ms:.0f} ms")
        app = create_app(runtime=runtime, LOGIN_RATE_LIMIT="100000 per minute")
        client = signed_in(app, "supervisor", PASSWORD)

        def cases():
            answer = client.get("/map/cases.json")
            assert answer.status_code == 200 and len(answer.get_json()["cases"]) == args.cases

        layer = client.get("/map/boundaries.json")
        etag = layer.headers["ETag"]

        def layer_full():
            assert client.get("/map/boundaries.json").status_code == 200

        def layer_revalidated():
            assert client.get("/map/boundaries.json", headers={"If-None-Match": etag}).status_code == 304

        figures = {"cases": args.cases, "generate_ms": generate_ms, "cases_ms": _median_ms(cases, args.repeat),
                   "layer_ms": _median_ms(layer_full, args.repeat),
                   "layer_304_ms": _median_ms(layer_revalidated, args.repeat)}
        log(f"/map/cases.json with {args.cases} cases: {figures['cases_ms']:.0f} ms; "
            f"/map/boundaries.json {figures['layer_ms']:.0f} ms, revalidated {figures['layer_304_ms']:.0f} ms")
    print_figures(figures, KEYS)
    return 0
