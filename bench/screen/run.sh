#!/usr/bin/env bash
# Reproduce the screening evaluation: build the evaluation set from the real lists, then run
# earmark and the peers (peer_screen.py: rapidfuzz WRatio, Jaro-Winkler, nomenklatura
# logic-v2) on the same held-out test split, in one run, one core each, side by side.
#
# usage: bench/screen/run.sh            (from the repository root or anywhere)
# env:   SHARED=path/to/shared (default ../shared beside the checkout)
#        CORE=0 (the core to pin to)   SKIP_PEERS=1 (earmark only)
#        CSL=1 (also the whole 2026 CSL, all twelve lists, as a second and larger index;
#               the bands stay those chosen on the SDN dev split)
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
S=$SHARED/data/screening
CORE=${CORE:-0}
D=bench/screen/data
R=bench/screen/results
mkdir -p "$D" "$R"

cargo build --release --locked -p earmark-screen --example screen_eval
E=target/release/examples/screen_eval

# 1. The names every scorer sees, from our own OFAC loader; then the queries (fixed seed).
$E dump-index "$S/ofac_sdn_2021-07" "$D/index_sdn_2021-07.csv"
python3 bench/screen/build_eval.py "$D/index_sdn_2021-07.csv" \
    "$S/negatives/sec_company_tickers.json" "$D" > /dev/null

# 2. earmark on the test split with the library's default bands (chosen on the dev split),
#    and the dev-tuned thresholds recomputed for reference.
taskset -c "$CORE" $E run "$S/ofac_sdn_2021-07" "$D/queries_test.csv" \
    --json "$R/earmark_test.json" | tee "$R/earmark_test.txt"
taskset -c "$CORE" $E run "$S/ofac_sdn_2021-07" "$D/queries_test.csv" \
    --tune "$D/queries_dev.csv" > "$R/earmark_test_retuned.txt"
head -1 "$R/earmark_test_retuned.txt"

# 3. The peers on the same index and queries.
if [ -z "${SKIP_PEERS:-}" ]; then
    if [ ! -x .venv-peers/bin/python ]; then
        python3 -m venv .venv-peers
        .venv-peers/bin/pip install -q rapidfuzz nomenklatura
    fi
    taskset -c "$CORE" .venv-peers/bin/python "$SHARED/bench/peer_screen.py" \
        "$D/index_sdn_2021-07.csv" "$D/queries_test.csv" | tee "$R/peers_test.txt"
    python3 bench/screen/compare.py "$R/earmark_test.json" "$R/peers_test.txt" \
        | tee "$R/RESULTS.md"
fi

# 4. Optionally, the same on the whole Consolidated Screening List of 2026-07-31.
if [ -n "${CSL:-}" ]; then
    DC=bench/screen/data_csl
    RC=bench/screen/results_csl
    mkdir -p "$DC" "$RC"
    CSLJ="$S/csl_2026-07_compact/screening-list.json"
    $E dump-index "$CSLJ" "$DC/index_csl_2026-07-31.csv"
    python3 bench/screen/build_eval.py "$DC/index_csl_2026-07-31.csv" \
        "$S/negatives/sec_company_tickers.json" "$DC" > /dev/null
    taskset -c "$CORE" $E run "$CSLJ" "$DC/queries_test.csv" \
        --json "$RC/earmark_test.json" | tee "$RC/earmark_test.txt"
    if [ -z "${SKIP_PEERS:-}" ]; then
        taskset -c "$CORE" .venv-peers/bin/python "$SHARED/bench/peer_screen.py" \
            "$DC/index_csl_2026-07-31.csv" "$DC/queries_test.csv" | tee "$RC/peers_test.txt"
        python3 bench/screen/compare.py "$RC/earmark_test.json" "$RC/peers_test.txt" \
            "CSL 2026-07-31, all twelve lists, 57,174 names and aliases" | tee "$RC/RESULTS.md"
    fi
fi

# 5. Positives from independent sources (build_independent.py): OFAC's own aliases held out of
#    the index (leave-one-out), and the native-name dataset's Chinese names in characters and
#    pinyin (half of it held out of the index). Needs pypinyin (in the peers' venv).
if [ ! -x .venv-peers/bin/python ]; then
    python3 -m venv .venv-peers
    .venv-peers/bin/pip install -q rapidfuzz nomenklatura pypinyin
fi
.venv-peers/bin/python -c "import pypinyin" 2>/dev/null || .venv-peers/bin/pip install -q pypinyin
EL="$S/entity_list_extract/entities_all.csv"
$E dump-index "entity-list:$EL" "$D/index_el.csv"
.venv-peers/bin/python bench/screen/build_independent.py "$D/index_sdn_2021-07.csv" \
    "$D/index_el.csv" data/names/chinese-names.csv "$D" > /dev/null
taskset -c "$CORE" $E run "index:$D/index_loo.csv" "$D/queries_loo_test.csv" \
    --json "$R/earmark_loo.json" | tee "$R/earmark_loo.txt"
taskset -c "$CORE" $E run "index:$D/index_loo.csv" "$D/queries_loo_unreachable_test.csv" \
    --json "$R/earmark_loo_unreachable.json" > "$R/earmark_loo_unreachable.txt"
EARMARK_EVAL_NAMES="$D/names_heldin.csv" $E dump-index "entity-list:$EL" "$D/index_zh.csv"
EARMARK_EVAL_NAMES="$D/names_heldin.csv" taskset -c "$CORE" $E run "entity-list:$EL" \
    "$D/queries_zh.csv" --json "$R/earmark_zh.json" | tee "$R/earmark_zh.txt"
if [ -z "${SKIP_PEERS:-}" ]; then
    taskset -c "$CORE" .venv-peers/bin/python "$SHARED/bench/peer_screen.py" \
        "$D/index_loo.csv" "$D/queries_loo_test.csv" | tee "$R/peers_loo.txt"
    taskset -c "$CORE" .venv-peers/bin/python "$SHARED/bench/peer_screen.py" \
        "$D/index_zh.csv" "$D/queries_zh.csv" | tee "$R/peers_zh.txt"
fi
python3 bench/screen/report.py "$R" | tee bench/screen/RESULTS.md
