//! Name normalisation: from a name as printed, in any script, to the tokens the index and the
//! scorer compare.
//!
//! The steps, in order: camel case split (HuaweiTechnologies = Huawei Technologies);
//! Cyrillic and Greek look-alike letters in a Latin name read as Latin ([`lookalike`]);
//! Chinese characters folded to Simplified, their company words and places read as the
//! English the lists print and the rest as pinyin ([`chinese`]); the company words of
//! Japanese and Korean names read as English (株式会社 = Co., Ltd.); Unicode NFKC;
//! transliteration to ASCII (Cyrillic, Greek, Arabic, ... via `deunicode`), which also drops
//! diacritics and tone marks; lower case; apostrophes removed inside words (TOSE'E = TOSEE);
//! "&" read as "and"; split at anything else that is not a letter or digit; runs of single
//! letters joined (S.A. = SA, J. P. = JP); Chinese company words and legal forms written in
//! pinyin read as English, whatever their spacing ("Youxiangongsi" = "Co., Ltd."), the
//! company words only in a company's name; abbreviations and common transliteration variants
//! mapped to one spelling (Intl = International, Mohammed = Muhammad, Alexander = Aleksandr),
//! those that are also names (Min, Gen, Dev) only in an organisation's name ("Min Li" stays a
//! person); legal forms recognised as phrases and replaced by one canonical token each ("Co.,
//! Ltd." = "Company Limited", "OOO" = "LLC").
//!
//! A name wholly in Cyrillic has a second reading, as a Latin name written in Russian
//! ([`other_readings`]); the query scores its best reading.
//!
//! Word order is not kept: the scorer compares bags of tokens, which makes "SURNAME, Given"
//! and "Given Surname" the same name.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

pub mod chinese;
pub mod lookalike;

/// One normalised token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    pub text: String,
    /// True for a legal form ("llc", "jsc", ...): these weigh little and match each other.
    pub legal_form: bool,
}

/// Words of Japanese and Korean company names with the English the lists print for them
/// (Chinese ones are read in [`chinese`]).
const CJK_WORDS: &[(&str, &str)] = &[("株式会社", "co ltd"), ("주식회사", "co ltd")];

/// Replaces the words of [`CJK_WORDS`] when the text has kana or hangul.
fn translate_cjk(text: &str) -> Option<String> {
    let is_kana_hangul = |c: char| matches!(c, '\u{3040}'..='\u{30FF}' | '\u{AC00}'..='\u{D7AF}');
    if !text.chars().any(is_kana_hangul) {
        return None;
    }
    let mut out = text.to_string();
    for (from, to) in CJK_WORDS {
        if out.contains(from) {
            out = out.replace(from, &format!(" {to} "));
        }
    }
    Some(out)
}

/// Splits words written in camel case ("HuaweiTechnologies", "DeepSeek"): a space goes
/// before a capital that follows two or more small letters and is followed by a small
/// letter. "McDonald" and "iPhone" stay whole (one small letter before the capital).
fn split_camel(text: &str) -> Option<String> {
    // Cut before position i of the window (c[i-2], c[i-1], c[i], c[i+1]).
    let is_cut = |a: char, b: char, c: char, d: char| {
        a.is_lowercase() && b.is_lowercase() && c.is_uppercase() && d.is_lowercase()
    };
    let mut out: Option<String> = None;
    let mut w = ['\0'; 3];
    for (i, c) in text.char_indices() {
        // `w` holds the three characters before `c`: cut before w[2] if it is a capital.
        if is_cut(w[0], w[1], w[2], c) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 4));
            if o.is_empty() {
                // Everything before the capital, which is w[2], one character back.
                let cap = text[..i].char_indices().last().map_or(0, |(j, _)| j);
                o.push_str(&text[..cap]);
                o.push(' ');
                o.push_str(&text[cap..i]);
            } else {
                o.pop();
                o.push(' ');
                o.push(w[2]);
            }
        }
        if let Some(o) = out.as_mut() {
            o.push(c);
        }
        w = [w[1], w[2], c];
    }
    out
}

/// Folds text to lower-case ASCII: NFKC, transliteration, diacritics dropped.
pub fn fold(text: &str) -> String {
    let camel = split_camel(text);
    let text = camel.as_deref().unwrap_or(text);
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let lookalikes = lookalike::fold_lookalikes(text);
    let text = lookalikes.as_deref().unwrap_or(text);
    let han = chinese::fold_han(text);
    let text = han.as_deref().unwrap_or(text);
    let translated = translate_cjk(text);
    let text = translated.as_deref().unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        match deunicode::deunicode_char(c) {
            // Letters with no transliteration are kept as they are, so that a name in any
            // script still has tokens and still matches itself.
            None => out.extend(c.to_lowercase()),
            Some(t) if t.is_empty() && c.is_alphanumeric() => out.extend(c.to_lowercase()),
            Some(t) => {
                // CJK ideographs transliterate to syllables; keep them apart as words.
                let spaced = t.len() > 1 && !c.is_ascii() && t.ends_with(' ');
                out.push_str(&t.to_ascii_lowercase());
                if spaced && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
        }
    }
    out
}

/// The raw words of folded text, before abbreviations and legal forms.
fn words(folded: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            cur.push(c);
        } else if c == '\'' || c == '`' {
            // Inside a word an apostrophe marks a glottal stop or elision: TOSE'E, Ta'avon.
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c == '&' {
                out.push("and".to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    // Join runs of two or more single letters: "s a de c v" -> "sa de cv", "j p" -> "jp".
    let mut joined: Vec<String> = Vec::with_capacity(out.len());
    let mut run = String::new();
    let mut run_len = 0;
    let flush = |joined: &mut Vec<String>, run: &mut String, run_len: &mut usize| {
        if *run_len > 0 {
            joined.push(std::mem::take(run));
        }
        run.clear();
        *run_len = 0;
    };
    for w in out {
        if w.len() == 1 && w.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
            run.push_str(&w);
            run_len += 1;
        } else {
            flush(&mut joined, &mut run, &mut run_len);
            joined.push(w);
        }
    }
    flush(&mut joined, &mut run, &mut run_len);
    joined
}

/// Abbreviations and spelling variants, mapped to one spelling. Applied word by word.
const CANONICAL: &[(&str, &str)] = &[
    // Business words and their abbreviations.
    ("co", "company"),
    ("cos", "company"),
    ("companies", "company"),
    ("compania", "company"),
    ("compagnie", "company"),
    ("cia", "company"),
    ("corp", "corporation"),
    ("corporations", "corporation"),
    ("ltd", "limited"),
    ("ltda", "limitada"),
    ("inc", "incorporated"),
    ("intl", "international"),
    ("int", "international"),
    ("internacional", "international"),
    ("internationale", "international"),
    ("natl", "national"),
    ("nacional", "national"),
    ("tech", "technology"),
    ("techs", "technology"),
    ("technologies", "technology"),
    ("technological", "technology"),
    ("tecnologia", "technology"),
    ("technologie", "technology"),
    ("technik", "technology"),
    ("mfg", "manufacturing"),
    ("manufacture", "manufacturing"),
    ("univ", "university"),
    ("universidad", "university"),
    ("universite", "university"),
    ("inst", "institute"),
    ("institut", "institute"),
    ("instituto", "institute"),
    ("dept", "department"),
    ("assn", "association"),
    ("assoc", "association"),
    ("bros", "brothers"),
    ("ent", "enterprise"),
    ("enterprises", "enterprise"),
    ("industries", "industry"),
    ("industrial", "industry"),
    ("ind", "industry"),
    ("indus", "industry"),
    ("sci", "science"),
    ("sciences", "science"),
    ("scientific", "science"),
    ("svc", "service"),
    ("svcs", "service"),
    ("services", "service"),
    ("servicios", "service"),
    ("mgmt", "management"),
    ("dev", "development"),
    ("devt", "development"),
    ("eng", "engineering"),
    ("engg", "engineering"),
    ("ctr", "center"),
    ("centre", "center"),
    ("centro", "center"),
    ("hldg", "holding"),
    ("hldgs", "holding"),
    ("holdings", "holding"),
    ("grp", "group"),
    ("trdg", "trading"),
    ("elec", "electronics"),
    ("electronic", "electronics"),
    ("electronica", "electronics"),
    ("elektronika", "electronics"),
    ("mach", "machinery"),
    ("equip", "equipment"),
    ("pharm", "pharmaceutical"),
    ("pharma", "pharmaceutical"),
    ("pharmaceuticals", "pharmaceutical"),
    ("chem", "chemical"),
    ("chemicals", "chemical"),
    ("transp", "transport"),
    ("shpg", "shipping"),
    ("bk", "bank"),
    ("banco", "bank"),
    ("banque", "bank"),
    ("st", "saint"),
    ("ste", "saint"),
    ("mt", "mount"),
    ("gen", "general"),
    ("govt", "government"),
    ("min", "ministry"),
    ("ministerio", "ministry"),
    ("acad", "academy"),
    ("academia", "academy"),
    ("akademiya", "academy"),
    ("lab", "laboratory"),
    ("labs", "laboratory"),
    ("laboratories", "laboratory"),
    ("exp", "export"),
    ("imp", "import"),
    ("exports", "export"),
    ("imports", "import"),
    ("trade", "trading"),
    ("logistic", "logistics"),
    ("systems", "system"),
    ("products", "product"),
    ("solutions", "solution"),
    ("materials", "material"),
    ("investments", "investment"),
    ("resources", "resource"),
    ("semiconductors", "semiconductor"),
    ("microelectronic", "microelectronics"),
    ("computers", "computer"),
    // Transliteration variants of common given names and particles.
    ("mohammad", "muhammad"),
    ("mohammed", "muhammad"),
    ("mohamed", "muhammad"),
    ("muhammed", "muhammad"),
    ("mohamad", "muhammad"),
    ("muhamad", "muhammad"),
    ("mohamud", "muhammad"),
    ("mohd", "muhammad"),
    ("muhamed", "muhammad"),
    ("mehmet", "muhammad"),
    ("mohammod", "muhammad"),
    ("mahomed", "muhammad"),
    ("ahmed", "ahmad"),
    ("ahmet", "ahmad"),
    ("hussein", "husayn"),
    ("husein", "husayn"),
    ("hussain", "husayn"),
    ("husain", "husayn"),
    ("hossein", "husayn"),
    ("hosein", "husayn"),
    ("housein", "husayn"),
    ("abdel", "abd"),
    ("abdal", "abd"),
    ("abdoul", "abdul"),
    ("youssef", "yusuf"),
    ("yousef", "yusuf"),
    ("yusef", "yusuf"),
    ("yousif", "yusuf"),
    ("youssouf", "yusuf"),
    ("yousuf", "yusuf"),
    ("ebrahim", "ibrahim"),
    ("ibraheem", "ibrahim"),
    ("el", "al"),
    ("ul", "al"),
    ("ibn", "bin"),
    ("ben", "bin"),
    ("abou", "abu"),
    ("osama", "usama"),
    ("omar", "umar"),
    ("othman", "uthman"),
    ("osman", "uthman"),
    ("kasim", "qasim"),
    ("qassem", "qasim"),
    ("qasem", "qasim"),
    ("kassem", "qasim"),
    ("qassim", "qasim"),
    ("hasan", "hassan"),
    ("khaled", "khalid"),
    ("mahmoud", "mahmud"),
    ("mostafa", "mustafa"),
    ("moustafa", "mustafa"),
    ("mustapha", "mustafa"),
    ("jaafar", "jafar"),
    ("saeed", "said"),
    ("sayed", "said"),
    ("sayyid", "said"),
    ("alexander", "aleksandr"),
    ("alexandr", "aleksandr"),
    ("aleksander", "aleksandr"),
    ("oleksandr", "aleksandr"),
    ("alexandre", "aleksandr"),
    ("alexei", "aleksei"),
    ("alexey", "aleksei"),
    ("aleksey", "aleksei"),
    ("oleksiy", "aleksei"),
    ("oleksii", "aleksei"),
    ("sergey", "sergei"),
    ("serguei", "sergei"),
    ("serhiy", "sergei"),
    ("serhii", "sergei"),
    ("yury", "yuri"),
    ("yuriy", "yuri"),
    ("iurii", "yuri"),
    ("yurii", "yuri"),
    ("dmitry", "dmitri"),
    ("dmitriy", "dmitri"),
    ("dmytro", "dmitri"),
    ("dmitrii", "dmitri"),
    ("andrey", "andrei"),
    ("andriy", "andrei"),
    ("andrii", "andrei"),
    ("nikolay", "nikolai"),
    ("mykola", "nikolai"),
    ("evgeny", "yevgeny"),
    ("evgeniy", "yevgeny"),
    ("yevgeniy", "yevgeny"),
    ("evgenii", "yevgeny"),
    ("yevgenii", "yevgeny"),
    ("michail", "mikhail"),
    ("volodymyr", "vladimir"),
    ("wladimir", "vladimir"),
    ("constantin", "konstantin"),
    ("victor", "viktor"),
    ("vasiliy", "vasily"),
    ("vasili", "vasily"),
    ("vasyl", "vasily"),
    ("vassily", "vasily"),
    ("grigory", "grigori"),
    ("grigoriy", "grigori"),
    ("georgy", "georgi"),
    ("georgiy", "georgi"),
    ("anatoly", "anatoli"),
    ("anatoliy", "anatoli"),
    ("valery", "valeri"),
    ("valeriy", "valeri"),
    ("arkady", "arkadi"),
    ("arkadiy", "arkadi"),
    ("gennady", "gennadi"),
    ("gennadiy", "gennadi"),
    ("yevgenievich", "evgenievich"),
    ("igor", "igor"),
    ("ilya", "ilia"),
    ("iliya", "ilia"),
    ("yulia", "yuliya"),
    ("julia", "yuliya"),
    ("natalya", "natalia"),
    ("nataliya", "natalia"),
    ("tatyana", "tatiana"),
    ("tatiana", "tatiana"),
];

/// Legal forms as phrases of canonical words, with the token that stands for each. Longest
/// phrase first within each group; matching takes the longest phrase at each position.
const LEGAL_FORMS: &[(&[&str], &str)] = &[
    (
        &["obshchestvo", "s", "ogranichennoi", "otvetstvennostyu"],
        "llc",
    ),
    (
        &["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"],
        "llc",
    ),
    (
        &["obshestvo", "s", "ogranichennoi", "otvetstvennostyu"],
        "llc",
    ),
    (
        &["tovarystvo", "z", "obmezhenoiu", "vidpovidalnistiu"],
        "llc",
    ),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["limited", "liability", "corporation"], "llc"),
    (&["open", "joint", "stock", "company"], "jsc"),
    (&["closed", "joint", "stock", "company"], "jsc"),
    (&["public", "joint", "stock", "company"], "jsc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["aktsionernoe", "obshchestvo"], "jsc"),
    (&["aktsionernoye", "obshchestvo"], "jsc"),
    (&["otkrytoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["zakrytoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["publichnoe", "aktsionernoe", "obshchestvo"], "jsc"),
    (&["public", "limited", "company"], "plc"),
    (&["private", "limited", "company"], "pvt_ltd"),
    (&["private", "limited"], "pvt_ltd"),
    (&["pvt", "limited"], "pvt_ltd"),
    (&["pte", "limited"], "pte_ltd"),
    (&["sdn", "bhd"], "sdn_bhd"),
    (&["sendirian", "berhad"], "sdn_bhd"),
    (&["company", "limited"], "co_ltd"),
    (&["company", "limitada"], "co_ltd"),
    (
        &["sociedad", "anonima", "de", "capital", "variable"],
        "sa_de_cv",
    ),
    (&["sa", "de", "cv"], "sa_de_cv"),
    (&["s", "de", "rl", "de", "cv"], "s_de_rl"),
    (&["s", "de", "rl"], "s_de_rl"),
    (&["sociedad", "anonima"], "sa"),
    (&["societe", "anonyme"], "sa"),
    (&["ticaret", "limited", "sirketi"], "ltd_sti"),
    (&["tic", "limited", "sti"], "ltd_sti"),
    (&["limited", "sirketi"], "ltd_sti"),
    (&["limited", "sti"], "ltd_sti"),
    (&["anonim", "sirketi"], "as"),
    (&["fz", "llc"], "fz_llc"),
    (&["limited", "partnership"], "lp"),
    (&["limited"], "ltd"),
    (&["limitada"], "ltd"),
    (&["incorporated"], "inc"),
    (&["corporation"], "corp"),
    (&["company"], "co"),
    (&["llc"], "llc"),
    (&["ooo"], "llc"),
    (&["too"], "llc"),
    (&["tov"], "llc"),
    (&["llp"], "llp"),
    (&["plc"], "plc"),
    (&["jsc"], "jsc"),
    (&["ojsc"], "jsc"),
    (&["cjsc"], "jsc"),
    (&["pjsc"], "jsc"),
    (&["oao"], "jsc"),
    (&["zao"], "jsc"),
    (&["pao"], "jsc"),
    (&["ao"], "jsc"),
    (&["jsco"], "jsc"),
    (&["gmbh"], "gmbh"),
    (&["ag"], "ag"),
    (&["sa"], "sa"),
    (&["sas"], "sas"),
    (&["sarl"], "sarl"),
    (&["srl"], "srl"),
    (&["spa"], "spa"),
    (&["bv"], "bv"),
    (&["nv"], "nv"),
    (&["pte"], "pte_ltd"),
    (&["pvt"], "pvt_ltd"),
    (&["bhd"], "sdn_bhd"),
    (&["kft"], "kft"),
    (&["fze"], "fze"),
    (&["fzco"], "fze"),
    (&["fzc"], "fze"),
    (&["fzllc"], "fz_llc"),
    (&["wll"], "wll"),
    (&["sal"], "sal"),
    (&["sae"], "sae"),
    (&["lp"], "lp"),
    (&["sdn"], "sdn_bhd"),
];

/// The canonical spelling of one word: the variant table, then a light plural fold.
pub fn canonical_word(word: &str) -> &str {
    static MAP: LazyLock<FxHashMap<&'static str, &'static str>> =
        LazyLock::new(|| CANONICAL.iter().copied().collect());
    MAP.get(word).copied().unwrap_or(word)
}

/// A legal-form phrase and the token that stands for it.
type LegalForm = (&'static [&'static str], &'static str);

/// Legal-form phrases grouped by their first word.
static LEGAL_BY_FIRST: LazyLock<FxHashMap<&'static str, Vec<LegalForm>>> = LazyLock::new(|| {
    let mut map: FxHashMap<&'static str, Vec<LegalForm>> = FxHashMap::default();
    for &(phrase, form) in LEGAL_FORMS {
        if let Some(first) = phrase.first() {
            map.entry(first).or_default().push((phrase, form));
        }
    }
    map
});

/// True if the word begins some legal-form phrase (used by the evaluation builder too).
pub fn is_legal_form_word(word: &str) -> bool {
    LEGAL_BY_FIRST.contains_key(word)
}

/// Abbreviations that are also given names or surnames (Min Li, Gen Ito, Dev Patel, Eng
/// Kiat): expanded only in a name that is an organisation's (see [`is_organisation`]).
const NAME_LIKE_ABBREVIATIONS: &[&str] = &[
    "min", "gen", "dev", "eng", "ent", "ind", "int", "imp", "exp", "mach", "chem", "lab", "inst",
];

/// Words that make a name an organisation's: "of" (Min. of Defence) and the words the
/// business abbreviations stand for, once canonical.
const ORGANISATION_WORDS: &[&str] = &[
    "of",
    "company",
    "corporation",
    "limited",
    "incorporated",
    "international",
    "technology",
    "industry",
    "group",
    "holding",
    "bank",
    "university",
    "institute",
    "academy",
    "laboratory",
    "research",
    "center",
    "trading",
    "electronics",
    "engineering",
    "ministry",
    "department",
    "government",
    "national",
];

/// True if some word marks the name as an organisation's: a legal form or a word of
/// [`ORGANISATION_WORDS`] (after the unambiguous abbreviations are expanded).
fn is_organisation(words: &[String]) -> bool {
    words.iter().any(|w| {
        let c = canonical_word(w);
        (!NAME_LIKE_ABBREVIATIONS.contains(&w.as_str()) && ORGANISATION_WORDS.contains(&c))
            || LEGAL_BY_FIRST.contains_key(c)
    })
}

/// Reads company words written in pinyin as their English (see [`chinese`]): legal forms and
/// places always, the other words only in a company's name (a legal form, two such words, or
/// one written as two syllables or more in a name of three words or more).
fn read_pinyin(words: Vec<String>) -> (Vec<String>, bool) {
    let found = chinese::find_pinyin_words(&words);
    if found.is_empty() {
        return (words, false);
    }
    // A company word written syllable by syllable ("Ke Ji") in a name of three words or
    // more is a company's too: a person's given name is written as one word (Wang Keji).
    let company = found.iter().any(|f| f.2.legal_form && !f.2.place)
        || found.iter().filter(|f| !f.2.place).count() >= 2
        || (words.len() >= 3 && found.iter().any(|f| f.1 >= 2 && !f.2.place))
        || words
            .iter()
            .any(|w| LEGAL_BY_FIRST.contains_key(canonical_word(w)));
    let mut out = Vec::with_capacity(words.len() + 2);
    let mut next = 0;
    for (start, len, pw) in found {
        if !(pw.legal_form || pw.place || company) {
            continue;
        }
        out.extend(words[next..start].iter().cloned());
        out.extend(pw.english.split(' ').map(str::to_string));
        next = start + len;
    }
    out.extend(words[next..].iter().cloned());
    (out, company)
}

/// Normalises a name into tokens (see the module documentation for the steps).
pub fn tokens(name: &str) -> Vec<Token> {
    tokens_of_folded(&fold(name))
}

/// Other readings of a name than [`tokens`] gives, to be scored beside it: a name wholly in
/// Cyrillic read as a Latin name written in Russian (see [`lookalike::russian_to_latin`]).
pub fn other_readings(name: &str) -> Vec<Vec<Token>> {
    match lookalike::russian_to_latin(name) {
        Some(latin) => vec![tokens_of_folded(&fold(&latin))],
        None => Vec::new(),
    }
}

fn tokens_of_folded(folded: &str) -> Vec<Token> {
    let (words, chinese_company) = read_pinyin(words(folded));
    let organisation = chinese_company || is_organisation(&words);
    let words: Vec<String> = words
        .into_iter()
        .map(|w| {
            let keep = (!organisation && NAME_LIKE_ABBREVIATIONS.contains(&w.as_str()))
                // In a Chinese company's name in pinyin a short word is a syllable (Ben,
                // Min), not an Arabic particle or a given name to respell (ben = bin).
                || (chinese_company && w.len() <= 4 && canonical_word(&w) != w && !is_legal_form_word(canonical_word(&w)));
            if keep {
                w
            } else {
                canonical_word(&w).to_string()
            }
        })
        .collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let found = LEGAL_BY_FIRST
            .get(words[i].as_str())
            .into_iter()
            .flatten()
            .filter(|(phrase, _)| {
                phrase.len() <= words.len() - i
                    && phrase.iter().zip(&words[i..]).all(|(p, w)| p == w)
            })
            .max_by_key(|(phrase, _)| phrase.len());
        match found {
            // A legal form only counts as one when it is not the whole name ("SA" alone, or
            // "Company" alone, is a name).
            Some((phrase, form)) if words.len() > phrase.len() => {
                out.push(Token {
                    text: (*form).to_string(),
                    legal_form: true,
                });
                i += phrase.len();
            }
            _ => {
                out.push(Token {
                    text: words[i].clone(),
                    legal_form: false,
                });
                i += 1;
            }
        }
    }
    out
}

/// A consonant skeleton of a word, used to pair transliteration variants that the tables do
/// not list: Qaddafi/Gaddafi/Kadhafi, Tehran/Teheran, Aleksandr/Alexandr. Read left to right:
/// digraphs are reduced (kh, zh, ph, sh, ch, ts, ...), x is ks, q is k, w is v, y is i, c and
/// g after the first letter are k, z is s; then vowels and h after the first letter are
/// dropped and doubled letters collapsed.
pub fn skeleton(word: &str) -> String {
    const DIGRAPHS: &[(&str, char)] = &[
        ("tsch", 'c'),
        ("dzh", 'j'),
        ("tch", 'c'),
        ("sch", 's'),
        ("zh", 'j'),
        ("kh", 'k'),
        ("gh", 'g'),
        ("ph", 'f'),
        ("th", 't'),
        ("sh", 's'),
        ("ch", 'c'),
        ("dh", 'd'),
        ("ck", 'k'),
        ("ts", 'c'),
        ("tz", 'c'),
    ];
    let mut out = String::with_capacity(word.len());
    let mut last = '\0';
    let mut first = true;
    let mut push = |c: char, out: &mut String| {
        let c = if first {
            c
        } else {
            match c {
                'c' | 'g' | 'q' => 'k',
                'z' => 's',
                other => other,
            }
        };
        let keep = first || !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'h');
        if keep && c != last {
            out.push(c);
        }
        if keep {
            last = c;
        }
        first = false;
    };
    let mut rest = word;
    while let Some(c) = rest.chars().next() {
        if let Some((d, to)) = DIGRAPHS.iter().find(|(d, _)| rest.starts_with(d)) {
            push(*to, &mut out);
            rest = &rest[d.len()..];
            continue;
        }
        match c {
            'x' => {
                push('k', &mut out);
                push('s', &mut out);
            }
            'q' => push('k', &mut out),
            'w' => push('v', &mut out),
            'y' => push('i', &mut out),
            other => push(other, &mut out),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Spellings the normaliser maps onto another word, as (spelling, word): the variant and
/// abbreviation table, and single-word legal forms with their canonical token. The index
/// gives typo tolerance to these spellings too (a typo in "Technolgoies" is still near
/// "technologies", which is the word "technology").
pub fn spelling_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    CANONICAL.iter().copied().chain(
        LEGAL_FORMS
            .iter()
            .filter(|(phrase, _)| phrase.len() == 1)
            .filter_map(|(phrase, form)| phrase.first().map(|w| (*w, *form))),
    )
}
