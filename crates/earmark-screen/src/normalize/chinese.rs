//! Chinese names: characters and their pinyin brought to the words the lists print.
//!
//! The lists write Chinese parties in English ("Huawei Technologies Co., Ltd."), orders and
//! customs papers write them in characters (华为技术有限公司, or 華為技術有限公司 in Hong Kong
//! and Taiwan) or in pinyin ("Huawei Jishu Youxian Gongsi"). All three are brought to one
//! form:
//!
//! - Traditional characters are folded to Simplified with OpenCC's dictionaries (`simplecc`).
//! - The common words of company names (技术 = technology, 有限公司 = Co., Ltd., ...) are read
//!   as the English the lists print for them, longest word first at each position; place
//!   names (北京, 深圳市, ...) as their usual romanisation.
//! - What is left, the brand (华为, 寒武纪), becomes its pinyin, one word per run of
//!   characters ("huawei"), as the lists romanise brands.
//! - In pinyin text, the same company words are recognised from their pinyin, which is
//!   derived from the characters of the table by the `pinyin` crate, not typed: any spacing
//!   ("Youxian Gongsi", "Youxiangongsi", "you xian gong si") and tone marks (removed by
//!   transliteration before this step) give the same words.
//!
//! Company words in pinyin are read as English only where the name is a company's (it has a
//! legal form, or at least two such words): "Wang Keji" is a person, "Xinxi Keji Youxian
//! Gongsi" a company.

use std::sync::LazyLock;

use pinyin::ToPinyin;
use rustc_hash::{FxHashMap, FxHashSet};

/// Words of Chinese company names with the English the lists print for them. The flag marks
/// legal forms, which are read as such in pinyin whatever the rest of the name is.
const WORDS: &[(&str, &str, bool)] = &[
    ("股份有限公司", "co ltd", true),
    ("有限责任公司", "limited liability company", true),
    ("有限公司", "co ltd", true),
    ("集团公司", "group company", true),
    ("总公司", "corporation", true),
    ("公司", "company", true),
    ("集团", "group", true),
    ("控股", "holding", false),
    ("科技", "technology", false),
    ("技术", "technology", false),
    ("微电子", "microelectronics", false),
    ("电子", "electronics", false),
    ("半导体", "semiconductor", false),
    ("集成电路", "integrated circuit", false),
    ("信息", "information", false),
    ("产业", "industry", false),
    ("通信", "communication", false),
    ("通讯", "communication", false),
    ("网络", "network", false),
    ("软件", "software", false),
    ("人工智能", "artificial intelligence", false),
    ("智能", "intelligent", false),
    ("超级计算", "supercomputing", false),
    ("超算", "supercomputing", false),
    ("计算机", "computer", false),
    ("计算", "computing", false),
    ("研究所", "research institute", false),
    ("研究院", "research institute", false),
    ("研究", "research", false),
    ("大学", "university", false),
    ("学院", "institute", false),
    ("科学院", "academy of sciences", false),
    ("工程", "engineering", false),
    ("国际", "international", false),
    ("贸易", "trading", false),
    ("进出口", "import export", false),
    ("实业", "industrial", false),
    ("工业", "industry", false),
    ("投资", "investment", false),
    ("发展", "development", false),
    ("设备", "equipment", false),
    ("装备", "equipment", false),
    ("制造", "manufacturing", false),
    ("系统", "system", false),
    ("材料", "material", false),
    ("仪器", "instrument", false),
    ("光电", "optoelectronics", false),
    ("创新", "innovation", false),
    ("航空", "aviation", false),
    ("航天", "aerospace", false),
    ("中国", "china", false),
    ("香港", "hong kong", false),
    ("银行", "bank", false),
    // Read in characters only: its pinyin (zhongxin) is also CITIC's name (中信).
    ("中心", "center", false),
];

/// Words of [`WORDS`] not recognised from their pinyin (the pinyin is also a common name).
const NOT_IN_PINYIN: &[&str] = &["中心"];

/// Places that begin Chinese company names, with the romanisation the lists print. The
/// romanisations are the usual ones, not derived: several are not plain pinyin (Harbin, Hong
/// Kong, Macau, Xi'an) and others are read differently from their characters' first reading
/// (重庆 is Chongqing, not Zhongqing).
const PLACES: &[(&str, &str)] = &[
    ("北京", "beijing"),
    ("上海", "shanghai"),
    ("深圳", "shenzhen"),
    ("广州", "guangzhou"),
    ("天津", "tianjin"),
    ("重庆", "chongqing"),
    ("武汉", "wuhan"),
    ("成都", "chengdu"),
    ("杭州", "hangzhou"),
    ("南京", "nanjing"),
    ("西安", "xian"),
    ("苏州", "suzhou"),
    ("合肥", "hefei"),
    ("长沙", "changsha"),
    ("无锡", "wuxi"),
    ("珠海", "zhuhai"),
    ("东莞", "dongguan"),
    ("厦门", "xiamen"),
    ("青岛", "qingdao"),
    ("大连", "dalian"),
    ("济南", "jinan"),
    ("郑州", "zhengzhou"),
    ("哈尔滨", "harbin"),
    ("沈阳", "shenyang"),
    ("长春", "changchun"),
    ("绵阳", "mianyang"),
    ("宁波", "ningbo"),
    ("福州", "fuzhou"),
    ("昆明", "kunming"),
    ("南昌", "nanchang"),
    ("太原", "taiyuan"),
    ("石家庄", "shijiazhuang"),
    ("澳门", "macau"),
    ("广东", "guangdong"),
    ("江苏", "jiangsu"),
    ("浙江", "zhejiang"),
    ("四川", "sichuan"),
    ("湖北", "hubei"),
    ("湖南", "hunan"),
    ("山东", "shandong"),
    ("福建", "fujian"),
    ("安徽", "anhui"),
    ("陕西", "shaanxi"),
    ("辽宁", "liaoning"),
];

/// Administrative suffixes after a place name (深圳市 = Shenzhen), dropped as the
/// romanised names drop them.
const PLACE_SUFFIXES: &[char] = &['市', '省', '区'];

/// Characters whose first dictionary reading is not the one company and place names use.
const READINGS: &[(char, &str)] = &[('长', "chang"), ('重', "chong"), ('厦', "xia")];

/// True for a Chinese character (the unified ideographs and their first extension).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The plain pinyin of one character, or `None` if the dictionary has none.
fn char_pinyin(c: char) -> Option<&'static str> {
    if let Some((_, r)) = READINGS.iter().find(|(h, _)| *h == c) {
        return Some(r);
    }
    c.to_pinyin().map(|p| p.plain())
}

/// The pinyin of a word, syllables run together ("youxiangongsi"), with ü written u.
pub fn word_pinyin(word: &str) -> Option<String> {
    let mut out = String::new();
    for c in word.chars() {
        let p = char_pinyin(c)?;
        out.extend(p.chars().map(|c| if c == 'ü' { 'u' } else { c }));
    }
    Some(out)
}

/// Keys of the character tables, longest first at each position.
struct CharTables {
    /// Word -> (replacement, is a place).
    words: FxHashMap<&'static str, (&'static str, bool)>,
    /// Longest key, in characters.
    max_len: usize,
}

static CHAR_TABLES: LazyLock<CharTables> = LazyLock::new(|| {
    let mut words = FxHashMap::default();
    for &(w, en, _) in WORDS {
        words.insert(w, (en, false));
    }
    for &(w, en) in PLACES {
        words.insert(w, (en, true));
    }
    let max_len = words.keys().map(|k| k.chars().count()).max().unwrap_or(1);
    CharTables { words, max_len }
});

/// Text with Chinese characters brought to words (see the module documentation), or `None`
/// when it has none. Characters of other scripts are kept for the transliteration that
/// follows.
pub fn fold_han(text: &str) -> Option<String> {
    if !text.chars().any(is_han) {
        return None;
    }
    let simplified = simplecc::dicts::T2S.replace_all(text);
    let chars: Vec<char> = simplified.chars().collect();
    let tables = &*CHAR_TABLES;
    let mut out = String::with_capacity(simplified.len() * 2);
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        if !run.is_empty() {
            out.push(' ');
            out.push_str(run);
            out.push(' ');
            run.clear();
        }
    };
    let mut i = 0;
    let mut key = String::new();
    while i < chars.len() {
        let c = chars[i];
        if !is_han(c) {
            flush(&mut out, &mut run);
            out.push(c);
            i += 1;
            continue;
        }
        let mut found = None;
        for len in (1..=tables.max_len.min(chars.len() - i)).rev() {
            key.clear();
            key.extend(&chars[i..i + len]);
            if let Some(&(en, place)) = tables.words.get(key.as_str()) {
                found = Some((len, en, place));
                break;
            }
        }
        match found {
            Some((len, en, place)) => {
                flush(&mut out, &mut run);
                out.push(' ');
                out.push_str(en);
                out.push(' ');
                i += len;
                if place && chars.get(i).is_some_and(|c| PLACE_SUFFIXES.contains(c)) {
                    i += 1;
                }
            }
            None => {
                match char_pinyin(c) {
                    Some(p) => run.push_str(p),
                    // No reading: keep the character for transliteration.
                    None => {
                        flush(&mut out, &mut run);
                        out.push(c);
                    }
                }
                i += 1;
            }
        }
    }
    flush(&mut out, &mut run);
    Some(out)
}

/// A company word recognised in pinyin.
#[derive(Debug, Clone, Copy)]
pub struct PinyinWord {
    pub english: &'static str,
    /// A legal form: read as such in any name.
    pub legal_form: bool,
    /// A place (Shenzhen Shi): read as such in any name, and no sign of a company.
    pub place: bool,
}

/// The company words of [`WORDS`] by their pinyin, derived from the characters, with every
/// prefix of a key, so that a scan stops at the first word that cannot begin one.
struct PinyinTables {
    words: FxHashMap<String, PinyinWord>,
    prefixes: FxHashSet<String>,
}

static PINYIN_TABLES: LazyLock<PinyinTables> = LazyLock::new(|| {
    let mut words = FxHashMap::default();
    let mut prefixes = FxHashSet::default();
    for &(w, english, legal_form) in WORDS {
        if NOT_IN_PINYIN.contains(&w) || w.chars().count() < 2 {
            continue;
        }
        let Some(p) = word_pinyin(w) else { continue };
        for (i, _) in p.char_indices().skip(1) {
            prefixes.insert(p[..i].to_string());
        }
        words.entry(p).or_insert(PinyinWord {
            english,
            legal_form,
            place: false,
        });
    }
    // Places, with their administrative suffix as the characters drop it (Shenzhen Shi =
    // 深圳市 = Shenzhen): the key is the pinyin of the characters, the word the usual
    // romanisation.
    for &(w, english) in PLACES {
        let Some(p) = word_pinyin(w) else { continue };
        for suffix in ["", "shi", "sheng", "qu"] {
            let key = format!("{p}{suffix}");
            for (i, _) in key.char_indices().skip(1) {
                prefixes.insert(key[..i].to_string());
            }
            words.entry(key).or_insert(PinyinWord {
                english,
                legal_form: false,
                place: true,
            });
        }
    }
    PinyinTables { words, prefixes }
});

/// Company words written in pinyin among `words`, as (start, word count, the word): at each
/// position the longest run of words whose letters together spell a word of the table.
pub fn find_pinyin_words(words: &[String]) -> Vec<(usize, usize, PinyinWord)> {
    let tables = &*PINYIN_TABLES;
    let mut found = Vec::new();
    let mut i = 0;
    let mut joined = String::new();
    while i < words.len() {
        joined.clear();
        let mut best = None;
        for (j, w) in words.iter().enumerate().skip(i).take(8) {
            joined.push_str(w);
            if let Some(&pw) = tables.words.get(joined.as_str()) {
                best = Some((j + 1 - i, pw));
            }
            if !tables.prefixes.contains(joined.as_str()) {
                break;
            }
        }
        match best {
            Some((n, pw)) => {
                found.push((i, n, pw));
                i += n;
            }
            None => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn traditional_folds_to_simplified_and_brands_become_pinyin() {
        let a = fold_han("華為技術有限公司").unwrap();
        let b = fold_han("华为技术有限公司").unwrap();
        assert_eq!(a, b);
        let words: Vec<&str> = a.split_whitespace().collect();
        assert_eq!(words, ["huawei", "technology", "co", "ltd"]);
    }

    #[test]
    fn place_prefix_and_suffix() {
        let a = fold_han("深圳市大疆创新科技有限公司").unwrap();
        let words: Vec<&str> = a.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "shenzhen",
                "dajiang",
                "innovation",
                "technology",
                "co",
                "ltd"
            ]
        );
    }

    #[test]
    fn pinyin_keys_are_derived_from_characters() {
        assert_eq!(word_pinyin("有限公司").unwrap(), "youxiangongsi");
        assert_eq!(word_pinyin("半导体").unwrap(), "bandaoti");
        let w: Vec<String> = ["you", "xian", "gong", "si"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f = find_pinyin_words(&w);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].0, f[0].1), (0, 4));
        assert!(f[0].2.legal_form);
    }
}
