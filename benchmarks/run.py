"""`make bench`: run every benchmarks/bench_*.py and print one JSON object per figure.

Each module exposes `run() -> Iterable[dict]`; every dict is one figure, e.g.
{"benchmark": "slots_api", "metric": "median_ms", "value": 7.9, "target": "< 20"}.
Benchmarks set up their own data in a throwaway database (see benchmarks/support.py).
"""

import importlib
import json
import os
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookingtjeneste.settings")


def main(selected: list[str]) -> int:
    failures = 0
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        name = path.stem
        if selected and name not in selected and name.removeprefix("bench_") not in selected:
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for figure in module.run():
                print(json.dumps({"module": name, **figure}, ensure_ascii=False), flush=True)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failures += 1
            traceback.print_exc()
            print(json.dumps({"module": name, "error": repr(exc)}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
