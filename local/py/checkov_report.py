"""Checkov's JSON report as local/checks/checkov.sh prints it: passed/failed/skipped per framework
and per stage or chart variant, then every failure (and, verbose, every skip with its reason).
Exits 1 on any failed check or parsing error.

Usage: checkov_report.py <work dir> <checkov version> <synth s> <helm template s> <scan s> <verbose 0|1>
"""
import json, os, sys
from collections import defaultdict

work, version, synth_s, render_s, scan_s, verbose = sys.argv[1:7]
reports = json.load(open(os.path.join(work, "out", "results_json.json")))
if isinstance(reports, dict):
    reports = [reports]

def parts(path):
    """(stage, stack) of <assemblies>/<stage>/<stack>.template.json, (variant, "") of k8s/<variant>.yaml."""
    p = [x for x in path.split("/") if x]
    if p[-1].endswith(".template.json"):
        return p[-2], p[-1].replace(".template.json", "")
    return os.path.splitext(p[-1])[0], ""


def unit(path):
    return parts(path)[0]

def where(path, resource):
    stage, stack = parts(path)
    return f"{stage} {stack + ' ' if stack else ''}{resource}"

bad = 0
print(f"checkov {version}: synth {synth_s}s, helm template {render_s}s, scan {scan_s}s")
for report in reports:
    framework = report.get("check_type")
    results = report.get("results", {})
    counts = defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
    for kind in ("passed", "failed", "skipped"):
        for r in results.get(f"{kind}_checks", []):
            counts[unit(r["file_path"])][kind] += 1
    total = {k: sum(c[k] for c in counts.values()) for k in ("passed", "failed", "skipped")}
    errors = report.get("summary", {}).get("parsing_errors", 0)
    print(f"  {framework:<15} passed {total['passed']:>4}  failed {total['failed']:>3}  skipped {total['skipped']:>3}"
          f"  parsing errors {errors}")
    for name in sorted(counts):
        c = counts[name]
        print(f"    {name:<13} passed {c['passed']:>4}  failed {c['failed']:>3}  skipped {c['skipped']:>3}")
    for r in results.get("failed_checks", []):
        print(f"  FAIL {r['check_id']} {where(r['file_path'], r['resource'])}: {r['check_name']}")
    if verbose == "1":
        for r in results.get("skipped_checks", []):
            reason = (r.get("check_result") or {}).get("suppress_comment", "")
            print(f"  skip {r['check_id']} {where(r['file_path'], r['resource'])}: {reason}")
    bad += total["failed"] + errors
sys.exit(1 if bad else 0)
