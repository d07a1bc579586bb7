#!/usr/bin/env python3
"""The audit a DuckDB user would write by hand, as the speed and memory baseline.

    python3 duckdb_baseline.py SUBSCRIBERS.csv CONSENT.csv OUT_DIR [--threads N]

Five checks per subscriber row, on addresses trimmed and lower-cased:
no consent event, consent without purpose, latest consent older than 24
months before 2025-01-01, a withdrawal after the latest consent, an
erasure request. Writes OUT_DIR/findings.csv and OUT_DIR/clean.csv (the
rows with no finding, all columns as read).
"""
import argparse
import os

import duckdb

AGGREGATE = """
CREATE TEMP TABLE ledger AS
SELECT lower(trim(email)) AS address,
       max(timestamp) FILTER (WHERE event IN ('opt_in', 'confirm')) AS consented,
       max(timestamp) FILTER (WHERE event = 'withdraw') AS withdrawn,
       max(timestamp) FILTER (WHERE event = 'erasure_request') AS erased,
       bool_or(event IN ('opt_in', 'confirm') AND coalesce(trim(purpose), '') <> '') AS purposed
FROM read_csv(?, header = true,
              columns = {'email': 'VARCHAR', 'event': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ',
                         'purpose': 'VARCHAR', 'source': 'VARCHAR', 'ip': 'VARCHAR'})
GROUP BY 1
"""

JOIN = """
CREATE TEMP TABLE audited AS
SELECT s.*,
       concat_ws(';',
           CASE WHEN l.consented IS NULL THEN 'no_opt_in' END,
           CASE WHEN l.consented IS NOT NULL AND NOT l.purposed THEN 'no_purpose' END,
           CASE WHEN l.consented < TIMESTAMPTZ '2023-01-01 00:00:00+00' THEN 'stale' END,
           CASE WHEN l.withdrawn > coalesce(l.consented, TIMESTAMPTZ '0001-01-01 00:00:00+00')
                THEN 'withdrawn' END,
           CASE WHEN l.erased IS NOT NULL THEN 'erasure' END) AS flags
FROM read_csv(?, header = true, all_varchar = true) AS s
LEFT JOIN ledger AS l ON l.address = lower(trim(s."Email Address"))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("subscribers")
    parser.add_argument("consent")
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(AGGREGATE, [args.consent])
    con.execute(JOIN, [args.subscribers])
    findings = os.path.join(args.out, "findings.csv").replace("'", "''")
    clean = os.path.join(args.out, "clean.csv").replace("'", "''")
    con.execute(f"""COPY (SELECT lower(trim("Email Address")) AS email, flags
                          FROM audited WHERE flags <> '') TO '{findings}' (HEADER)""")
    con.execute(f"""COPY (SELECT * EXCLUDE (flags) FROM audited WHERE flags = '')
                    TO '{clean}' (HEADER)""")


if __name__ == "__main__":
    main()
