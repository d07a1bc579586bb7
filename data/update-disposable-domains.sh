#!/usr/bin/env bash
# Refreshes data/disposable-domains.txt from the newest PyPI release of
# disposable-email-domains (the CC0 list, packaged by its maintainers).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" disposable-email-domains
wheel="$(ls "$work"/*.whl)"
python3 - "$wheel" "$here/disposable-domains.txt" <<'PY'
import re, sys, zipfile, datetime
wheel, target = sys.argv[1], sys.argv[2]
version = re.search(r"disposable_email_domains-([0-9.]+)-", wheel).group(1)
with zipfile.ZipFile(wheel) as z:
    info = z.getinfo("disposable_email_domains/__init__.py")
    source = z.read(info).decode()
    date = datetime.date(*info.date_time[:3]).isoformat()
domains = sorted(set(re.findall(r"'([^']+)'", source)))
old = set()
try:
    old = {l.strip() for l in open(target) if l.strip() and not l.startswith("#")}
except FileNotFoundError:
    pass
with open(target, "w") as out:
    out.write("# Disposable e-mail domains, one per line (H004).\n")
    out.write("# Source: https://github.com/disposable-email-domains/disposable-email-domains\n")
    out.write("#   file disposable_email_blocklist.conf, CC0 1.0 Universal (public domain),\n")
    out.write(f"#   as published in the PyPI package disposable-email-domains {version} ({date}).\n")
    out.write(f"# {len(domains)} domains. Update with data/update-disposable-domains.sh; see data/README.md.\n")
    for d in domains:
        out.write(d + "\n")
new = set(domains)
print(f"{version} ({date}): {len(new)} domains, {len(new - old)} added, {len(old - new)} removed")
PY
