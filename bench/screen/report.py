#!/usr/bin/env python3
"""bench/screen/RESULTS.md: every evaluation of run.sh side by side with the peers of the same
run, and issue 11's targets with the figure that meets or misses each.

usage: report.py RESULTS_DIR [MAIN]
       RESULTS_DIR: where run.sh wrote earmark_*.json and peers_*.txt; MAIN: the name of the
       perturbation run (default `test`: earmark_test.json and peers_test.txt; `test_sub` for
       every third query of it, run on a loaded machine to keep the peers' time down).
"""
import json, os, sys

R = sys.argv[1]
MAIN = sys.argv[2] if len(sys.argv) > 2 else "test"


def load(name):
    p = os.path.join(R, name)
    return json.load(open(p)) if os.path.exists(p) else None


def peers(name):
    p = os.path.join(R, name)
    if not os.path.exists(p):
        return []
    lines = open(p).read().strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else []
    except json.JSONDecodeError:  # the run did not finish
        return []


def table(title, ours, theirs):
    print(f"### {title}\n")
    print(f"{ours['queries']} queries, {ours['positives']} expected to match; index "
          f"{ours['names']} names.\n")
    print("| scorer | F1 at default bands | best F1 | P | R | queries/s (1 core) |")
    print("|---|---|---|---|---|---|")
    d, b = ours["default_bands"], ours["best"]
    print(f"| earmark | {d['f1']:.3f} (P {d['precision']:.3f}, R {d['recall']:.3f}) | "
          f"{b['f1']:.3f} | {b['precision']:.3f} | {b['recall']:.3f} | {ours['queries_per_s']:,.0f} |")
    for p in theirs:
        print(f"| {p['peer']} | - | {p['f1']:.3f} | {p['precision']:.3f} | {p['recall']:.3f} "
              f"| {p['queries_per_s']:,.1f} |")
    print()


def kinds(ours, names):
    print("| kind | n | flagged | right | recall / false-positive rate |")
    print("|---|---|---|---|---|")
    for k in names:
        v = ours["per_kind"].get(k)
        if not v:
            continue
        if "recall" in v:
            print(f"| {k} | {v['n']} | {v['flagged']} | {v['right']} | recall {v['recall']:.3f} |")
        else:
            print(f"| {k} | {v['n']} | {v['flagged']} | - | false positives {v['false_positive_rate']:.3f} |")
    print()


def main():
    print("# Screening benchmark results\n")
    print("Written by `bench/screen/run.sh` (this file: `python3 bench/screen/report.py "
          "bench/screen/results`). Every figure below is from the same run, one core each.\n")
    cond = os.path.join(R, "conditions.txt")
    if os.path.exists(cond):
        print(open(cond).read().strip() + "\n")
    main_ = load(f"earmark_{MAIN}.json")
    loo = load("earmark_loo.json")
    loo_u = load("earmark_loo_unreachable.json")
    zh = load("earmark_zh.json")
    pt = peers(f"peers_{MAIN}.txt")
    pl = peers("peers_loo.txt")
    pz = peers("peers_zh.txt")
    targets = []
    if main_:
        table(f"Perturbations of OFAC SDN names ({MAIN} split)", main_, pt)
        targets.append(("perturbation F1 at default bands >= 0.96",
                        main_["default_bands"]["f1"], main_["default_bands"]["f1"] >= 0.96))
        wr = [p for p in pt if p["peer"] == "rf_wratio"]
        if wr:
            ratio = main_["queries_per_s"] / wr[0]["queries_per_s"]
            targets.append(("speed >= 100x rapidfuzz WRatio", ratio, ratio >= 100))
    if loo:
        table("OFAC alias leave-one-out (reachable aliases, with the negatives)", loo, pl)
        best_peer = max((p["f1"] for p in pl), default=None)
        f1 = loo["default_bands"]["f1"]
        targets.append(("alias leave-one-out F1 at default bands >= 0.72", f1, f1 >= 0.72))
        if best_peer is not None:
            targets.append(("... and above the best peer's best-threshold F1",
                            f"{f1:.3f} vs {best_peer:.3f}", f1 > best_peer))
    if loo_u:
        r = loo_u["default_bands"]["recall"]
        print(f"Unreachable aliases (sharing nothing with the entity's other names), counted "
              f"apart: {loo_u['positives']} queries, earmark recall at default bands {r:.3f}.\n")
    if zh:
        table("Chinese names: characters and pinyin (native-name dataset, half held out)", zh, pz)
        kinds(zh, ["zh_chars_in", "zh_pinyin_in", "zh_chars_heldout", "zh_pinyin_heldout",
                   "zh_neg_chars", "zh_neg_pinyin"])
        pk = zh["per_kind"]
        for k in ["zh_chars_in", "zh_pinyin_in", "zh_chars_heldout", "zh_pinyin_heldout"]:
            if k in pk:
                targets.append((f"recall >= 0.9 on listed Chinese entities, {k}",
                                pk[k]["recall"], pk[k]["recall"] >= 0.9))
        for k in ["zh_neg_chars", "zh_neg_pinyin"]:
            if k in pk:
                fpr = pk[k]["false_positive_rate"]
                targets.append((f"unlisted Chinese companies flagged <= 1 in 20, {k}",
                                fpr, fpr <= 0.05))
    print("## Issue 11's targets\n")
    print("| target | figure | met |")
    print("|---|---|---|")
    for name, fig, ok in targets:
        fig = f"{fig:.3f}" if isinstance(fig, float) else fig
        print(f"| {name} | {fig} | {'yes' if ok else 'NO'} |")


main()
