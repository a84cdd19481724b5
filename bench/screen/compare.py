#!/usr/bin/env python3
"""Side-by-side table of earmark and the peers on the same test split, with ratios.

usage: compare.py EARMARK.json PEERS.txt [INDEX_DESCRIPTION]
       (PEERS.txt: peer_screen.py output; its last line is JSON)
"""
import json, sys

ours = json.load(open(sys.argv[1]))
peers = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
qps = ours["queries_per_s"]
what = sys.argv[3] if len(sys.argv) > 3 else "OFAC SDN 2021-07, 23,325 names and aliases"
print(f"Index: {what} ({ours['names']} distinct per entity after earmark's normalisation); "
      f"test split: {ours['queries']} queries, {ours['positives']} expected to match.\n")
print("| scorer | F1 at default bands | best F1 | P | R | queries/s (1 core) | earmark speed ratio |")
print("|---|---|---|---|---|---|---|")
b, d = ours["best"], ours["default_bands"]
print(f"| earmark | {d['f1']:.3f} (P {d['precision']:.3f}, R {d['recall']:.3f}) | {b['f1']:.3f} "
      f"| {b['precision']:.3f} | {b['recall']:.3f} | {qps:,.0f} | 1 |")
for p in peers:
    print(f"| {p['peer']} | - | {p['f1']:.3f} | {p['precision']:.3f} | {p['recall']:.3f} "
          f"| {p['queries_per_s']:,.1f} | {qps / p['queries_per_s']:,.0f}x |")
print(f"\nearmark index build {ours['index_build_s']:.3f} s, peak RSS {ours['peak_rss_mb']:.1f} MB; "
      f"bands: review >= {ours['thresholds']['review_at']:.2f}, match >= {ours['thresholds']['match_at']:.2f}.")
