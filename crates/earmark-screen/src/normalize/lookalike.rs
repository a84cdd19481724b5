//! Latin names written with other scripts' letters: Cyrillic and Greek letters that look
//! like Latin ones mixed into a Latin name ("НUAWEI" with a Cyrillic Н, "ΗUAWEI" with a Greek
//! Eta), and Latin names transliterated into Russian ("Хуавэй Текнолоджиз").
//!
//! Look-alikes are read by their shape, not their sound: a Cyrillic Н in a Latin word is an H
//! (transliteration would make it an N). This applies only to a name that also has Latin
//! letters, and only to the letters that have a Latin twin; a name wholly in Cyrillic or Greek
//! is transliterated by sound as before.
//!
//! A name wholly in Cyrillic may be a Russian name (romanised on the lists as Russian names
//! are: Khodorkovsky) or a Latin name written in Russian (Хуавэй = Huawei). The second reading
//! ([`russian_to_latin`]) reverses the common Russian rendering of English sounds (х for h,
//! э for e, дж for j) and reads the business words the way they were borrowed (Текнолоджиз =
//! technologies); the query scores its best reading.

/// Cyrillic and Greek letters with the Latin letter they look like.
const LOOKALIKES: &[(char, char)] = &[
    // Cyrillic capitals.
    ('А', 'A'),
    ('В', 'B'),
    ('Е', 'E'),
    ('К', 'K'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('Р', 'P'),
    ('С', 'C'),
    ('Т', 'T'),
    ('У', 'Y'),
    ('Х', 'X'),
    ('І', 'I'),
    ('Ј', 'J'),
    ('Ѕ', 'S'),
    // Cyrillic small letters.
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('ԁ', 'd'),
    ('һ', 'h'),
    ('ԝ', 'w'),
    // Greek capitals.
    ('Α', 'A'),
    ('Β', 'B'),
    ('Ε', 'E'),
    ('Ζ', 'Z'),
    ('Η', 'H'),
    ('Ι', 'I'),
    ('Κ', 'K'),
    ('Μ', 'M'),
    ('Ν', 'N'),
    ('Ο', 'O'),
    ('Ρ', 'P'),
    ('Τ', 'T'),
    ('Υ', 'Y'),
    ('Χ', 'X'),
    // Greek small letters.
    ('ο', 'o'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('ν', 'v'),
    ('υ', 'u'),
    ('α', 'a'),
];

fn lookalike(c: char) -> Option<char> {
    LOOKALIKES
        .iter()
        .find(|(from, _)| *from == c)
        .map(|(_, to)| *to)
}

fn is_cyrillic_or_greek(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}')
}

/// The name with look-alike letters read as Latin, when it mixes Latin letters with
/// Cyrillic or Greek ones; `None` otherwise. A word whose Cyrillic or Greek letters do not
/// all have Latin twins is left as it is (it is a word in that script).
pub fn fold_lookalikes(text: &str) -> Option<String> {
    let has_latin = text.chars().any(|c| c.is_ascii_alphabetic());
    if !has_latin || !text.chars().any(is_cyrillic_or_greek) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let all_twins = word
            .chars()
            .filter(|&c| is_cyrillic_or_greek(c))
            .all(|c| lookalike(c).is_some());
        if all_twins {
            out.extend(word.chars().map(|c| lookalike(c).unwrap_or(c)));
        } else {
            out.push_str(word);
        }
    }
    Some(out)
}

/// English business words as Russian borrows them, lower case, with the English word.
const RUSSIAN_WORDS: &[(&str, &str)] = &[
    ("текнолоджиз", "technologies"),
    ("текнолоджис", "technologies"),
    ("текнолоджи", "technology"),
    ("технолоджиз", "technologies"),
    ("корпорейшн", "corporation"),
    ("корпорейшен", "corporation"),
    ("интернэшнл", "international"),
    ("интернешнл", "international"),
    ("интернэшнэл", "international"),
    ("компани", "company"),
    ("ко", "co"),
    ("лтд", "ltd"),
    ("лимитед", "limited"),
    ("инк", "inc"),
    ("груп", "group"),
    ("групп", "group"),
    ("холдингс", "holdings"),
    ("электроникс", "electronics"),
    ("семикондактор", "semiconductor"),
    ("семикондакторс", "semiconductors"),
    ("системс", "systems"),
    ("девайсез", "devices"),
    ("индастриз", "industries"),
];

/// Russian letters as they render English sounds, reversed.
fn russian_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// A second reading of a name wholly in Cyrillic, as a Latin name written in Russian (see the
/// module documentation); `None` when the name has no Cyrillic letters or has Latin ones.
pub fn russian_to_latin(text: &str) -> Option<String> {
    if text.chars().any(|c| c.is_ascii_alphabetic())
        || !text.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
    {
        return None;
    }
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len() * 2);
    let mut word = String::new();
    let flush = |out: &mut String, word: &mut String| {
        if word.is_empty() {
            return;
        }
        if let Some((_, en)) = RUSSIAN_WORDS.iter().find(|(ru, _)| ru == word) {
            out.push_str(en);
        } else {
            let w = word.replace("дж", "j");
            for c in w.chars() {
                match russian_letter(c) {
                    Some(l) => out.push_str(l),
                    None => out.push(c),
                }
            }
        }
        word.clear();
    };
    for c in lower.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut out, &mut word);
            out.push(c);
        }
    }
    flush(&mut out, &mut word);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn mixed_script_letters_read_by_shape() {
        // Cyrillic capital En and Greek capital Eta, both looking like H.
        assert_eq!(fold_lookalikes("\u{41D}UAWEI").unwrap(), "HUAWEI");
        assert_eq!(fold_lookalikes("\u{397}UAWEI Co").unwrap(), "HUAWEI Co");
        // A Russian word beside a Latin one stays Russian.
        assert_eq!(
            fold_lookalikes("ООО Ромашка Ltd").unwrap(),
            "OOO Ромашка Ltd"
        );
        assert!(fold_lookalikes("Ромашка").is_none());
    }

    #[test]
    fn russian_rendering_of_a_latin_name() {
        assert_eq!(
            russian_to_latin("Хуавэй Текнолоджиз Ко., Лтд.").unwrap(),
            "huavei technologies co., ltd."
        );
    }
}
