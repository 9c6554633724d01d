"""One writer process on a DuckLake, for tests/test_ducklake.py: argv[1] is a JSON spec
``{"warehouse": {...}, "start_at": epoch, "transactions": [[sql, ...], ...], "hold": s}``.
Each transaction is BEGIN, its statements, ``hold`` seconds, COMMIT; the first starts at
``start_at`` so two processes overlap. Prints one JSON line: per transaction "ok" or the error."""

from __future__ import annotations

import contextlib
import json
import sys
import time

from realreach.ducklake import DuckLakeWarehouse, ObjectStore


def main() -> None:
    spec = json.loads(sys.argv[1])
    w = spec["warehouse"]
    warehouse = DuckLakeWarehouse(w["catalog"], w["data_path"], ObjectStore(**w["store"]))
    con = warehouse.connect()
    time.sleep(max(0.0, spec["start_at"] - time.time()))
    outcomes = []
    for statements in spec["transactions"]:
        try:
            con.execute("BEGIN")
            for sql in statements:
                con.execute(sql)
            time.sleep(spec.get("hold", 0))
            con.execute("COMMIT")
            outcomes.append("ok")
        except Exception as exc:  # the error is the result
            outcomes.append(f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
    print(json.dumps(outcomes))


if __name__ == "__main__":
    main()
