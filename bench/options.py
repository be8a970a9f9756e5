"""Command-line options every benchmark takes (`greenloop bench NAME …`)."""
from __future__ import annotations

import argparse
import os


def bench_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"greenloop bench {name}", description=(doc or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("GREENLOOP_BENCH_DATABASE_URL"),
                        help="database to run on (ALL ITS TABLES ARE DROPPED); default: a temporary SQLite file")
    parser.add_argument("--quick", action="store_true", help="a small run, for smoke tests")
    return parser
