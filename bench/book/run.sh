#!/usr/bin/env bash
# Order-book speed, end to end, with the release binary a user runs.
#
# In one run, on one generated book (`earmark examples orders`: 1,000,000 lines, about 5,000
# distinct customers plus consignees, forwarders and purchasers, every catalog item, about 40
# destinations, 2022-10-07..2026-09-19), it times:
#   (a) parse:  `earmark check --book B --parse-only` (read, validate, build every line's
#               request; nothing checked): the floor the check is compared with;
#   (b) check:  `earmark check --book B` (every line checked on every core with the bundled
#               rules and lists, the summary printed), without `--record`;
#   (c) record: `earmark check --book B --record --db sqlite://FRESH` on a new SQLite file
#               (every line's full decision made; the authorised ones written, 500 a
#               transaction; the others refused and named on stderr).
# Each with /usr/bin/time -v: wall clock, CPU, peak resident memory. The load average before
# and after is printed too: the machine is shared, so note it with the figures.
# Targets: (b) within 3x of (a) and under 5 s on 2 cores, peak memory under 1 GB; (c) under
# 30 s. Results and where the time goes: bench/book/RESULTS.md.
#
# usage: bench/book/run.sh                 (from anywhere in the checkout)
# env:   LINES=1000000 PARTIES=5000 SEED=1  the book
#        OUT=target/bench-book             where the book, the ledger and the logs go
#        SKIP_RECORD=1                     skip (c)
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${LINES:-1000000}
PARTIES=${PARTIES:-5000}
SEED=${SEED:-1}
OUT=${OUT:-target/bench-book}
mkdir -p "$OUT"

cargo build --release --locked -p earmark-cli
BIN=target/release/earmark
BOOK="$OUT/orders-$LINES-$PARTIES-$SEED.csv"
if [ ! -s "$BOOK" ]; then
    "$BIN" examples orders --lines "$LINES" --seed "$SEED" --parties "$PARTIES" --out "$BOOK"
fi
echo "book: $BOOK ($(du -h "$BOOK" | cut -f1), $LINES lines)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs a command under /usr/bin/time -v and prints wall, user+sys and peak RSS.
measure() {
    local label=$1
    shift
    local status=0
    /usr/bin/time -v "$@" > "$OUT/$label.out" 2> "$OUT/$label.err" || status=$?
    local wall user sys rss
    wall=$(grep 'Elapsed (wall clock)' "$OUT/$label.err" | awk '{print $NF}')
    user=$(grep 'User time' "$OUT/$label.err" | awk '{print $NF}')
    sys=$(grep 'System time' "$OUT/$label.err" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$OUT/$label.err" | awk '{print $NF}')
    printf '%-7s wall %8s  cpu %6.2f s  peak RSS %5d MiB  exit %d\n' \
        "$label" "$wall" "$(echo "$user + $sys" | bc)" "$((rss / 1024))" "$status"
}

measure parse "$BIN" check --book "$BOOK" --parse-only
measure check "$BIN" check --book "$BOOK"
if [ -z "${SKIP_RECORD:-}" ]; then
    rm -f "$OUT/ledger.sqlite" "$OUT/ledger.sqlite-wal" "$OUT/ledger.sqlite-shm"
    measure record "$BIN" check --book "$BOOK" --record --db "sqlite://$OUT/ledger.sqlite" --by bench
    grep '^ledger:' "$OUT/record.out" || true
    echo "ledger file: $(du -h "$OUT/ledger.sqlite" | cut -f1)"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
head -1 "$OUT/check.out"
