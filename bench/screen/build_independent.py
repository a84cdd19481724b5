#!/usr/bin/env python3
"""Evaluation sets whose positives come from sources independent of the matcher.

usage: build_independent.py SDN_INDEX.csv EL_INDEX.csv NAMES.csv OUT_DIR [--seed 20260731]

SDN_INDEX.csv  entity_id,name,schema of the OFAC SDN list (screen_eval dump-index).
EL_INDEX.csv   the same for the whole Entity List, without native names.
NAMES.csv      the native-name dataset (data/names/chinese-names.csv).
OUT_DIR        where build_eval.py wrote queries_test.csv (its negatives are reused).

1. Alias leave-one-out (OFAC's own alias pairs). For entities of the test split that have
   two or more names, one alias (never the primary name) is held out: it is removed from the
   index (index_loo.csv, which every scorer is given) and used as the query; the expected
   answer is its entity. An alias is "reachable" when something in the remaining names leads
   to it: a shared distinctive word, an acronym of a remaining name's initials, a run-together
   short form of the first letters of its words, or a word translated between languages
   (BANCO/BANK, from the small table below, written for this file); otherwise it shares
   nothing with the entity's other names and no scorer can be expected to find it. Its kind
   says which: queries_loo_test.csv holds the reachable ones with the negatives of
   build_eval.py's test split (F1, for earmark and the peers alike), and
   queries_loo_unreachable_test.csv the unreachable ones (recall only, reported apart).
2. Chinese names (the native-name dataset): every name of the dataset, queried in characters
   and in pinyin (pypinyin, a dictionary independent of the matcher's pinyin crate, written
   as spaced syllables). The dataset is split by entity: one half is given to the index
   (names_heldin.csv; kinds zh_*_in measure coverage), the other half is held out (kinds
   zh_*_heldout measure what the matcher finds without the dataset's help). Negatives:
   registered names of large Chinese companies on no list (zh_neg_*), in characters and
   pinyin, checked against the Entity List names.
"""
import argparse, csv, hashlib, io, json, os, random, re

# Business words in other languages with their English: reachability only (an alias that
# differs from a listed name by such a translation is one a screener should find).
TRANSLATED = {
    "BANCO": "BANK", "BANQUE": "BANK", "BANKA": "BANK", "BANK": "BANK",
    "COMPANIA": "COMPANY", "COMPAGNIE": "COMPANY", "SHERKAT": "COMPANY", "SHIRKAT": "COMPANY",
    "INTERNACIONAL": "INTERNATIONAL", "INTERNATIONALE": "INTERNATIONAL",
    "NACIONAL": "NATIONAL", "NATIONALE": "NATIONAL", "INDUSTRIAS": "INDUSTRIES",
    "INDUSTRIE": "INDUSTRIES", "COMERCIAL": "COMMERCIAL", "COMMERCIALE": "COMMERCIAL",
    "GRUPO": "GROUP", "GRUPPO": "GROUP", "GROUPE": "GROUP",
}
GENERIC = {"THE", "AND", "OF", "FOR", "DE", "LA", "EL", "AL", "CO", "LTD", "LIMITED", "INC",
           "CORP", "CORPORATION", "COMPANY", "LLC", "SA", "GROUP", "TRADING", "INTERNATIONAL"}

# Registered names of large Chinese companies on no export list (their stock-exchange
# listings), used as negatives; checked against the Entity List names below.
ZH_NEGATIVES = [
    "腾讯控股有限公司", "比亚迪股份有限公司", "贵州茅台酒股份有限公司", "招商银行股份有限公司",
    "中国工商银行股份有限公司", "中国建设银行股份有限公司", "珠海格力电器股份有限公司",
    "海尔智家股份有限公司", "万科企业股份有限公司", "内蒙古伊利实业集团股份有限公司",
    "上海汽车集团股份有限公司", "长城汽车股份有限公司", "福耀玻璃工业集团股份有限公司",
    "顺丰控股股份有限公司", "牧原食品股份有限公司", "江苏恒瑞医药股份有限公司",
    "中国平安保险(集团)股份有限公司", "美的集团股份有限公司", "青岛啤酒股份有限公司",
    "五粮液股份有限公司", "中国国际航空股份有限公司", "中国银行股份有限公司",
    "交通银行股份有限公司", "兴业银行股份有限公司", "海天味业股份有限公司",
    "双汇发展股份有限公司", "东方航空股份有限公司", "中国神华能源股份有限公司",
    "紫金矿业集团股份有限公司", "安踏体育用品有限公司", "李宁有限公司", "中信证券股份有限公司",
    "华泰证券股份有限公司", "中国太平洋保险(集团)股份有限公司", "复星国际有限公司",
    "吉利汽车控股有限公司", "蒙牛乳业有限公司", "恒安国际集团有限公司", "申洲国际集团控股有限公司",
    "海螺水泥股份有限公司",
]


def words(s):
    return [w for w in re.split(r"[^A-Z0-9]+", s.upper()) if w]


def split_of(key):
    return "dev" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def prefixes_concat(target, ws):
    """True if target is prefixes (two letters or more) of consecutive words, in order."""
    def go(t, i):
        if not t:
            return True
        if i >= len(ws):
            return False
        w = ws[i]
        for k in range(min(len(w), len(t)), 1, -1):
            if t.startswith(w[:k]) and go(t[k:], i + 1):
                return True
        return False
    return any(go(target, i) for i in range(len(ws))) and len(target) >= 4


def reachable(alias, others):
    aw = words(alias)
    compact = "".join(aw)
    tr = {TRANSLATED.get(w, w) for w in aw}
    for o in others:
        ow = words(o)
        shared = {w for w in aw if len(w) >= 3 and w not in GENERIC} & set(ow)
        if shared:
            return True
        ot = {TRANSLATED.get(w, w) for w in ow}
        if {w for w in tr if len(w) >= 3 and w not in GENERIC} & ot:
            return True
        initials = "".join(w[0] for w in ow)
        initials_sig = "".join(w[0] for w in ow if w not in GENERIC)
        if len(compact) >= 2 and compact in (initials, initials_sig):
            return True
        if len(aw) == 1 and prefixes_concat(compact, ow):
            return True
    return False


def alias_loo(a, rng):
    rows = list(csv.DictReader(open(a.sdn_index, newline="", encoding="utf-8")))
    by = {}
    for r in rows:
        by.setdefault(r["entity_id"], []).append(r)
    owners = {}
    for r in rows:
        owners.setdefault(" ".join(words(r["name"])), set()).add(r["entity_id"])
    held, queries = set(), []
    ids = sorted(by)
    rng.shuffle(ids)
    for eid in ids:
        names = by[eid]
        if split_of("e" + eid) != "test" or len(names) < 2:
            continue
        cands = [i for i in range(1, len(names))
                 if len(owners[" ".join(words(names[i]["name"]))]) == 1
                 and " ".join(words(names[i]["name"])) != " ".join(words(names[0]["name"]))]
        if not cands:
            continue
        i = rng.choice(cands)
        alias = names[i]["name"]
        others = [n["name"] for j, n in enumerate(names) if j != i]
        held.add((eid, alias))
        kind = "alias_loo" if reachable(alias, others) else "alias_loo_unreachable"
        queries.append((alias, eid, kind))
        if len(queries) >= a.loo:
            break
    with open(os.path.join(a.out, "index_loo.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["entity_id", "name", "schema"])
        for r in rows:
            if (r["entity_id"], r["name"]) not in held:
                w.writerow([r["entity_id"], r["name"], r["schema"]])
    negs = [(r["query"], "", r["kind"]) for r in
            csv.DictReader(open(os.path.join(a.out, "queries_test.csv"), newline="", encoding="utf-8"))
            if not r["expected"]]
    # Reachable aliases with the negatives (F1, as for the peers); unreachable ones apart.
    out = [q for q in queries if q[2] == "alias_loo"] + negs
    rng.shuffle(out)
    write(os.path.join(a.out, "queries_loo_test.csv"), out)
    apart = [q for q in queries if q[2] == "alias_loo_unreachable"]
    write(os.path.join(a.out, "queries_loo_unreachable_test.csv"), apart)
    return count(out + apart)


def pinyin_of(text):
    from pypinyin import lazy_pinyin
    syl = [s for s in lazy_pinyin(text) if re.match(r"^[a-zü]+$", s)]
    return " ".join(s.replace("ü", "u").capitalize() for s in syl)


def chinese(a, rng):
    el = list(csv.DictReader(open(a.el_index, newline="", encoding="utf-8")))
    name_to_id = {}
    for r in el:
        name_to_id.setdefault(" ".join(words(r["name"])), r["entity_id"])
    text = open(a.names, encoding="utf-8").read()
    version, body = text.split("\n", 1)
    rows = list(csv.DictReader(io.StringIO(body)))
    heldin, out = [], []
    for r in rows:
        eid = name_to_id.get(" ".join(words(r["listed_name"])))
        if not eid:
            continue
        part = "in" if split_of("z" + r["listed_name"]) == "dev" else "heldout"
        if part == "in":
            heldin.append(r)
        out.append((r["native_name"], eid, f"zh_chars_{part}"))
        out.append((pinyin_of(r["native_name"]), eid, f"zh_pinyin_{part}"))
    listed = {" ".join(words(r["name"])) for r in el}
    for n in ZH_NEGATIVES:
        out.append((n, "", "zh_neg_chars"))
        p = pinyin_of(n)
        if " ".join(words(p)) not in listed:
            out.append((p, "", "zh_neg_pinyin"))
    with open(os.path.join(a.out, "names_heldin.csv"), "w", newline="", encoding="utf-8") as fh:
        fh.write(version + "-heldin\n")
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(heldin)
    rng.shuffle(out)
    write(os.path.join(a.out, "queries_zh.csv"), out)
    return count(out)


def write(path, qs):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["query", "expected", "kind"])
        w.writerows(qs)


def count(qs):
    c = {}
    for _, _, k in qs:
        c[k] = c.get(k, 0) + 1
    return dict(sorted(c.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sdn_index"); ap.add_argument("el_index"); ap.add_argument("names")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20260731)
    ap.add_argument("--loo", type=int, default=800)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    summary = {"alias_loo": alias_loo(a, rng), "chinese": chinese(a, rng), "seed": a.seed}
    json.dump(summary, open(os.path.join(a.out, "independent_summary.json"), "w"), indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
