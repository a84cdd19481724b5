//! Country-set expressions: how a rule names destinations, headquarters and export-from
//! countries.
//!
//! `(D:1 | D:4 | D:5) - (A:5 | A:6)`, `MO | D:5`, `AE | scope_x`, `all - US`. Operands are
//! Country Groups (`D:5`), ISO codes (`CN`), named sets of the pack (`scope_x`) and `all`;
//! operators are `|` (union), `-` (difference) and `&` (intersection), with `&` binding
//! tightest and `|` loosest, all left-associative. Groups are dated, so an expression is parsed
//! once at load time and resolved to a [`CountrySet`] for each date.

use crate::country::{Country, CountrySet};

/// A parsed expression; names are resolved against the pack at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetExpr {
    All,
    Country(Country),
    /// Index into the pack's Country Groups.
    Group(usize),
    /// Index into the pack's named sets.
    Named(usize),
    Union(Box<SetExpr>, Box<SetExpr>),
    Difference(Box<SetExpr>, Box<SetExpr>),
    Intersection(Box<SetExpr>, Box<SetExpr>),
}

impl SetExpr {
    /// Resolves the expression with the given group and named-set values.
    pub fn resolve(&self, groups: &[CountrySet], named: &[CountrySet]) -> CountrySet {
        match self {
            Self::All => CountrySet::all(),
            Self::Country(c) => std::iter::once(*c).collect(),
            Self::Group(i) => groups.get(*i).copied().unwrap_or_default(),
            Self::Named(i) => named.get(*i).copied().unwrap_or_default(),
            Self::Union(a, b) => a.resolve(groups, named).union(&b.resolve(groups, named)),
            Self::Difference(a, b) => a
                .resolve(groups, named)
                .difference(&b.resolve(groups, named)),
            Self::Intersection(a, b) => a
                .resolve(groups, named)
                .intersection(&b.resolve(groups, named)),
        }
    }

    /// Named sets this expression refers to (for cycle checks).
    pub fn named_refs(&self, out: &mut Vec<usize>) {
        match self {
            Self::Named(i) => out.push(*i),
            Self::Union(a, b) | Self::Difference(a, b) | Self::Intersection(a, b) => {
                a.named_refs(out);
                b.named_refs(out);
            }
            Self::All | Self::Country(_) | Self::Group(_) => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Open,
    Close,
    Or,
    Minus,
    And,
}

fn tokenize(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            b')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            b'|' => {
                tokens.push(Token::Or);
                i += 1;
            }
            b'-' => {
                tokens.push(Token::Minus);
                i += 1;
            }
            b'&' => {
                tokens.push(Token::And);
                i += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b':' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b':')
                {
                    i += 1;
                }
                tokens.push(Token::Word(&text[start..i]));
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(format!(
                    "unexpected character `{ch}` in set expression `{text}`"
                ));
            }
        }
    }
    Ok(tokens)
}

/// Resolves the names an expression uses.
pub trait Names {
    fn group(&self, name: &str) -> Option<usize>;
    fn named_set(&self, name: &str) -> Option<usize>;
}

/// Parses an expression, resolving names; errors are one line and name the offending word.
pub fn parse(text: &str, names: &dyn Names) -> Result<SetExpr, String> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err("empty set expression".to_owned());
    }
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        names,
        text,
    };
    let expr = parser.union()?;
    if parser.pos != tokens.len() {
        return Err(format!(
            "unexpected `{}` in set expression `{text}`",
            parser.describe()
        ));
    }
    Ok(expr)
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    names: &'t dyn Names,
    text: &'t str,
}

impl Parser<'_, '_> {
    fn describe(&self) -> String {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => (*w).to_owned(),
            Some(Token::Open) => "(".to_owned(),
            Some(Token::Close) => ")".to_owned(),
            Some(Token::Or) => "|".to_owned(),
            Some(Token::Minus) => "-".to_owned(),
            Some(Token::And) => "&".to_owned(),
            None => "end".to_owned(),
        }
    }

    fn union(&mut self) -> Result<SetExpr, String> {
        let mut left = self.difference()?;
        while self.tokens.get(self.pos) == Some(&Token::Or) {
            self.pos += 1;
            let right = self.difference()?;
            left = SetExpr::Union(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn difference(&mut self) -> Result<SetExpr, String> {
        let mut left = self.intersection()?;
        while self.tokens.get(self.pos) == Some(&Token::Minus) {
            self.pos += 1;
            let right = self.intersection()?;
            left = SetExpr::Difference(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn intersection(&mut self) -> Result<SetExpr, String> {
        let mut left = self.atom()?;
        while self.tokens.get(self.pos) == Some(&Token::And) {
            self.pos += 1;
            let right = self.atom()?;
            left = SetExpr::Intersection(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<SetExpr, String> {
        match self.tokens.get(self.pos) {
            Some(Token::Open) => {
                self.pos += 1;
                let inner = self.union()?;
                if self.tokens.get(self.pos) != Some(&Token::Close) {
                    return Err(format!("missing `)` in set expression `{}`", self.text));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Token::Word(word)) => {
                let word = *word;
                self.pos += 1;
                self.word(word)
            }
            _ => Err(format!(
                "expected a country, group or set name but found `{}` in set expression `{}`",
                self.describe(),
                self.text
            )),
        }
    }

    fn word(&self, word: &str) -> Result<SetExpr, String> {
        if word == "all" {
            return Ok(SetExpr::All);
        }
        if word.contains(':') {
            return self
                .names
                .group(word)
                .map(SetExpr::Group)
                .ok_or_else(|| format!("unknown country group `{word}`"));
        }
        if word.len() == 2 && word.bytes().all(|b| b.is_ascii_uppercase()) {
            return Country::from_code(word)
                .map(SetExpr::Country)
                .ok_or_else(|| format!("unknown country code `{word}`"));
        }
        self.names
            .named_set(word)
            .map(SetExpr::Named)
            .ok_or_else(|| format!("unknown set name `{word}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Names for Fixed {
        fn group(&self, name: &str) -> Option<usize> {
            ["A:5", "A:6", "D:1", "D:4", "D:5"]
                .iter()
                .position(|g| *g == name)
        }
        fn named_set(&self, name: &str) -> Option<usize> {
            (name == "scope_x").then_some(0)
        }
    }

    fn c(code: &str) -> Country {
        Country::from_code(code).unwrap()
    }

    #[test]
    fn scope_x_resolves_with_precedence() {
        let expr = parse("(D:1 | D:4 | D:5) - (A:5 | A:6)", &Fixed).unwrap();
        let groups: Vec<CountrySet> = vec![
            [c("AE")].into_iter().collect(),
            [c("IL")].into_iter().collect(),
            [c("CN"), c("MO")].into_iter().collect(),
            [c("IL"), c("AE"), c("CN")].into_iter().collect(),
            [c("CN")].into_iter().collect(),
        ];
        let set = expr.resolve(&groups, &[]);
        assert_eq!(
            set.iter().map(|c| c.code()).collect::<Vec<_>>(),
            vec!["CN", "MO"]
        );
        // `-` binds tighter than `|`: AE | (D:4 - A:5)
        let e2 = parse("AE | D:4 - A:5 - A:6", &Fixed).unwrap();
        let s2 = e2.resolve(&groups, &[]);
        assert_eq!(
            s2.iter().map(|c| c.code()).collect::<Vec<_>>(),
            vec!["AE", "CN"]
        );
    }

    #[test]
    fn errors_name_the_word() {
        assert_eq!(
            parse("XX | D:5", &Fixed).unwrap_err(),
            "unknown country code `XX`"
        );
        assert_eq!(
            parse("D:9", &Fixed).unwrap_err(),
            "unknown country group `D:9`"
        );
        assert_eq!(
            parse("tier9", &Fixed).unwrap_err(),
            "unknown set name `tier9`"
        );
        assert!(parse("(CN | MO", &Fixed)
            .unwrap_err()
            .contains("missing `)`"));
        assert!(parse("CN |", &Fixed).unwrap_err().contains("expected"));
        assert!(parse("CN MO", &Fixed)
            .unwrap_err()
            .contains("unexpected `MO`"));
        assert!(parse("", &Fixed).is_err());
        assert!(parse("CN ; MO", &Fixed).unwrap_err().contains("`;`"));
    }
}
