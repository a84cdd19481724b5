#!/usr/bin/env python3
"""Build the screening evaluation set from the real list data, deterministically.

usage: build_eval.py INDEX.csv NEGATIVES.json OUT_DIR [--seed 20260731]

INDEX.csv      entity_id,name,schema: every name and alias of the list (written by
               `screen_eval dump-index` from our own OFAC loader, so that earmark and the
               peers see exactly the same names).
NEGATIVES.json SEC EDGAR company_tickers.json (real companies, filtered against the list).

Writes OUT_DIR/queries_dev.csv and OUT_DIR/queries_test.csv (query,expected,kind) and
OUT_DIR/eval_summary.json. The split is by entity: no entity (and no negative name) is in both
files. Thresholds are tuned on dev and reported on test.

Positives are real names and aliases with one realistic perturbation each (or a combination):
typo, legal_form (dropped or changed), word_order, person_order ("SURNAME, Given" written
"Given Surname"), translit (generic romanisation rules), dropped_token, case_punct,
diacritics, combo. There is no table of name variants or abbreviations here: such pairs were
once the matcher's own table (CANONICAL in crates/earmark-screen/src/normalize/mod.rs), which
measures nothing. Abbreviations, acronyms and real alias pairs are measured instead on OFAC's
own aliases, held out of the index (build_independent.py).

Negatives: neg_company (real SEC registrant names on no list), neg_company_hard (SEC names
that share a distinctive word with a listed name), neg_person (ordinary person names built from
common given names and surnames, none of them a listed name).
"""
import argparse, csv, hashlib, json, os, random, re, unicodedata

LEGAL = [  # phrase as written -> alternatives a user might write instead
    ("CO., LTD.", ["COMPANY LIMITED", "CO LTD", "LTD", "LIMITED", "CO., LIMITED", ""]),
    ("COMPANY LIMITED", ["CO., LTD.", "CO LTD", "LTD", ""]),
    ("CO. LTD.", ["COMPANY LIMITED", "LTD", ""]),
    ("LIMITED LIABILITY COMPANY", ["LLC", "L.L.C.", ""]),
    ("LLC", ["LIMITED LIABILITY COMPANY", "L.L.C.", "OOO", ""]),
    ("OOO", ["LLC", "L.L.C.", ""]),
    ("JOINT STOCK COMPANY", ["JSC", "J.S.C.", "AO", ""]),
    ("OJSC", ["JSC", "OPEN JOINT STOCK COMPANY", ""]),
    ("JSC", ["JOINT STOCK COMPANY", "OJSC", ""]),
    ("PJSC", ["JSC", "PUBLIC JOINT STOCK COMPANY", ""]),
    ("CJSC", ["JSC", "CLOSED JOINT STOCK COMPANY", ""]),
    ("LTD.", ["LIMITED", "LLC", "CO., LTD.", ""]),
    ("LTD", ["LIMITED", "LLC", ""]),
    ("LIMITED", ["LTD", "LTD.", ""]),
    ("INC.", ["INCORPORATED", "INC", "CORP", ""]),
    ("INC", ["INCORPORATED", ""]),
    ("CORPORATION", ["CORP.", "CORP", "INC", ""]),
    ("CORP.", ["CORPORATION", ""]),
    ("S.A. DE C.V.", ["SA DE CV", "S.A.", ""]),
    ("S.A.", ["SA", "S.A. DE C.V.", ""]),
    ("GMBH", ["G.M.B.H.", "LTD", ""]),
    ("PTE. LTD.", ["PTE LTD", "PRIVATE LIMITED", ""]),
    ("PTE LTD", ["PTE. LTD.", "LTD", ""]),
    ("FZE", ["F.Z.E.", ""]),
    ("FZCO", ["FZE", ""]),
    ("LLP", ["L.L.P.", ""]),
    ("S.A.R.L.", ["SARL", ""]),
    ("SDN BHD", ["SDN. BHD.", ""]),
    ("COMPANY", ["CO.", "CO", ""]),
]
# Transliteration: generic romanisation rules only (no name tables).
RULES = [  # generic romanisation differences, applied at one place in one word
    ("OU", "U"), ("U", "OU"), ("KH", "H"), ("KH", "K"), ("IY", "Y"), ("Y", "IY"), ("IA", "IYA"),
    ("YA", "IA"), ("YU", "IU"), ("IU", "YU"), ("J", "DJ"), ("DZH", "J"), ("ZH", "J"), ("X", "KS"),
    ("KS", "X"), ("PH", "F"), ("W", "V"), ("V", "W"), ("EE", "I"), ("OO", "U"), ("SCH", "SH"),
    ("SH", "SCH"), ("TCH", "CH"), ("CH", "TCH"), ("TS", "TZ"), ("Q", "K"), ("K", "Q"), ("EI", "EY"),
    ("EY", "EI"), ("AI", "AY"), ("E", "I"), ("I", "E"), ("O", "U"), ("C", "K"),
]
DIACRITIC = {"A": "ÁÀÂÄ", "E": "ÉÈÊË", "I": "ÍÎÏ", "O": "ÓÔÖ", "U": "ÚÛÜ", "C": "Ç", "N": "Ñ",
             "S": "ŞŠ", "Z": "Ž", "G": "Ğ", "Y": "Ý"}
GIVEN = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
         "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
         "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul",
         "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda",
         "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Jose", "Maria", "Luis",
         "Carmen", "Wei", "Li", "Hiroshi", "Yuki", "Priya", "Rahul", "Anna", "Olga", "Pierre",
         "Sophie", "Lars", "Ingrid", "Giovanni", "Francesca", "Kwame", "Amara", "Diego", "Lucia"]
SURNAME = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
           "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
           "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
           "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
           "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
           "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
           "Roberts", "Schmidt", "Muller", "Rossi", "Dubois", "Tanaka", "Suzuki", "Sato", "Kim",
           "Park", "Patel", "Sharma", "Ivanova", "Larsen", "Jensen", "Okafor", "Mensah", "Silva",
           "Costa", "Wang", "Zhang", "Chen", "Novak", "Kowalski", "Andersson", "Bianchi"]
GENERIC = {"THE", "AND", "OF", "FOR", "DE", "LA", "EL", "AL", "COMPANY", "CO", "LTD", "LIMITED",
           "INC", "CORP", "CORPORATION", "GROUP", "HOLDINGS", "HOLDING", "INTERNATIONAL", "TRADING",
           "SERVICES", "TECHNOLOGY", "TECHNOLOGIES", "BANK", "INDUSTRIES", "ENTERPRISES", "LLC",
           "GLOBAL", "SYSTEMS", "CAPITAL", "FINANCIAL", "ENERGY", "AMERICAN", "NATIONAL", "TRUST",
           "INVESTMENT", "INVESTMENTS", "PARTNERS", "FUND", "MANAGEMENT", "SA", "PLC", "NEW",
           "FIRST", "UNITED", "GENERAL", "DEVELOPMENT", "RESOURCES", "SHIPPING", "MARINE", "CITY"}


def norm(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).upper()
    return " ".join(sorted(re.findall(r"[A-Z0-9]+", s)))


def words(s):
    return re.findall(r"[A-Z0-9]+", s.upper())


def typo(rng, name, edits=1):
    toks = name.split(" ")
    idx = [i for i, t in enumerate(toks) if sum(c.isalpha() for c in t) >= 4]
    if not idx:
        return None
    for i in rng.sample(idx, min(edits, len(idx))):
        t = list(toks[i])
        letters = [j for j, c in enumerate(t) if c.isalpha()]
        j = rng.choice(letters[1:] or letters)
        op = rng.choice(["sub", "del", "ins", "swap"])
        c = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if op == "sub":
            t[j] = c if t[j] != c else "E"
        elif op == "del":
            del t[j]
        elif op == "ins":
            t.insert(j, c)
        elif j + 1 < len(t) and t[j + 1].isalpha() and t[j] != t[j + 1]:
            t[j], t[j + 1] = t[j + 1], t[j]
        else:
            t[j] = c if t[j] != c else "E"
        toks[i] = "".join(t)
    return " ".join(toks)


def legal_form(rng, name):
    up = name.upper()
    for phrase, alts in LEGAL:
        m = re.search(r"(?<![A-Z])" + re.escape(phrase) + r"(?![A-Z])", up)
        if m:
            alt = rng.choice(alts)
            out = (name[: m.start()] + alt + name[m.end():]).strip(" ,")
            out = re.sub(r"\s+", " ", out).replace(" ,", ",")
            return out if words(out) and out != name else None
    return None


def word_order(rng, name):
    toks = [t for t in re.split(r"[\s,]+", name) if t]
    if len(toks) < 2:
        return None
    for _ in range(5):
        s = toks[:]
        rng.shuffle(s)
        if s != toks:
            return " ".join(s)
    return None


def person_order(rng, name, schema):
    if schema != "Person" or "," not in name:
        return None
    sur, given = name.split(",", 1)
    given = given.strip()
    if not given:
        return None
    return f"{given} {sur.strip().title() if rng.random() < 0.5 else sur.strip()}"


def translit(rng, name):
    toks = name.split(" ")
    up = [t.upper() for t in toks]
    cands = []
    for i, t in enumerate(up):
        if sum(c.isalpha() for c in t) < 4:
            continue
        for a, b in RULES:
            start = t.find(a, 1)  # not the first letter: romanisations agree there more often
            if start > 0:
                cands.append((i, a, b, start))
    if not cands:
        return None
    i, a, b, start = rng.choice(cands)
    t = toks[i].upper()
    toks[i] = t[:start] + b + t[start + len(a):]
    return " ".join(toks)


def dropped_token(rng, name):
    toks = name.split(" ")
    idx = [i for i, t in enumerate(toks) if len(re.sub(r"\W", "", t)) >= 2]
    if len(idx) < 3:
        return None
    i = rng.choice(idx[1:])
    return " ".join(t for j, t in enumerate(toks) if j != i).strip(" ,")


def case_punct(rng, name):
    s = name
    r = rng.random()
    s = s.lower() if r < 0.33 else s.title() if r < 0.66 else s.upper()
    s = s.replace("-", rng.choice([" ", ""]))
    if rng.random() < 0.5:
        s = s.replace(",", "").replace(".", "")
    else:
        s = s.replace(" ", rng.choice([", ", " ", ". "]), 1)
    return s if s != name else None


def diacritics(rng, name):
    chars = list(name.upper())
    idx = [i for i, c in enumerate(chars) if c in DIACRITIC]
    if not idx:
        return None
    for i in rng.sample(idx, min(len(idx), rng.randint(1, 3))):
        chars[i] = rng.choice(DIACRITIC[chars[i]])
    return "".join(chars)


SINGLE = {
    "typo": lambda rng, n, s: typo(rng, n, 1 if len(words(n)) < 3 else rng.randint(1, 2)),
    "legal_form": lambda rng, n, s: legal_form(rng, n),
    "word_order": lambda rng, n, s: word_order(rng, n),
    "person_order": lambda rng, n, s: person_order(rng, n, s),
    "translit": lambda rng, n, s: translit(rng, n),
    "dropped_token": lambda rng, n, s: dropped_token(rng, n),
    "case_punct": lambda rng, n, s: case_punct(rng, n),
    "diacritics": lambda rng, n, s: diacritics(rng, n),
}


def combo(rng, n, s):
    kinds = rng.sample([k for k in SINGLE if k != "typo"], 2) + (["typo"] if rng.random() < 0.4 else [])
    out, done = n, 0
    for k in kinds:
        r = SINGLE[k](rng, out, s)
        if r:
            out, done = r, done + 1
    return out if done >= 2 else None


def split_of(key):
    return "dev" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index"); ap.add_argument("negatives"); ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20260731)
    ap.add_argument("--per-kind", type=int, default=500)
    ap.add_argument("--neg-company", type=int, default=1200)
    ap.add_argument("--neg-hard", type=int, default=1200)
    ap.add_argument("--neg-person", type=int, default=600)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    rows = list(csv.DictReader(open(a.index, newline="", encoding="utf-8")))
    owners = {}
    for r in rows:
        owners.setdefault(norm(r["name"]), set()).add(r["entity_id"])
    listed_words = {}
    for r in rows:
        for w in set(words(r["name"])):
            listed_words[w] = listed_words.get(w, 0) + 1
    # Base names: unambiguous (one entity), with at least five letters or digits.
    base = [r for r in rows if len(owners[norm(r["name"])]) == 1
            and len(re.sub(r"[^A-Za-z0-9]", "", r["name"])) >= 5]
    rng.shuffle(base)
    out = {"dev": [], "test": []}
    kinds = list(SINGLE) + ["combo"]
    for kind in kinds:
        f = SINGLE.get(kind, combo)
        made, used = 0, set()
        for r in base:
            if made >= a.per_kind:
                break
            if r["entity_id"] in used:
                continue
            q = f(rng, r["name"], r["schema"])
            if not q or norm(q) == "" or q.strip() == r["name"]:
                continue
            used.add(r["entity_id"])
            out[split_of("e" + r["entity_id"])].append((q, r["entity_id"], kind))
            made += 1
    # Negatives.
    sec = json.load(open(a.negatives))
    titles = sorted({v["title"] for v in sec.values()})
    rng.shuffle(titles)
    easy, hard = [], []
    for t in titles:
        if norm(t) in owners:
            continue
        distinctive = [w for w in set(words(t)) if len(w) >= 4 and w not in GENERIC and w in listed_words]
        (hard if distinctive else easy).append(t)
    for t in easy[: a.neg_company]:
        out[split_of("n" + t)].append((t, "", "neg_company"))
    for t in hard[: a.neg_hard]:
        out[split_of("n" + t)].append((t, "", "neg_company_hard"))
    people = set()
    while len(people) < a.neg_person:
        g, s = rng.choice(GIVEN), rng.choice(SURNAME)
        n = f"{g} {s}" if rng.random() < 0.6 else f"{s.upper()}, {g}"
        if norm(n) not in owners:
            people.add(n)
    for n in sorted(people):
        out[split_of("n" + n)].append((n, "", "neg_person"))
    os.makedirs(a.out, exist_ok=True)
    summary = {}
    for split, qs in out.items():
        rng.shuffle(qs)
        with open(os.path.join(a.out, f"queries_{split}.csv"), "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["query", "expected", "kind"])
            w.writerows(qs)
        counts = {}
        for _, _, k in qs:
            counts[k] = counts.get(k, 0) + 1
        summary[split] = {"queries": len(qs), "by_kind": dict(sorted(counts.items()))}
    summary["seed"] = a.seed
    json.dump(summary, open(os.path.join(a.out, "eval_summary.json"), "w"), indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
