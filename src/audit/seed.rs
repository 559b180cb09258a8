//! The seed rule: how the text of a public seed becomes the exact bytes the
//! draw hashes. The rule is part of a stage's manifest, so it is committed
//! before the seed exists: nobody can pick, after the event, which of the
//! many ways of writing the same numbers gives the panel they prefer.
//! docs/draw-spec.md ("The seed rule") specifies each format with test
//! vectors.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// How a seed is written in its canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeedFormat {
    /// The whole numbers in the text, in the order given, in decimal
    /// without leading zeros, separated by single spaces.
    Numbers,
    /// As `Numbers`, sorted in increasing order (for results published
    /// sorted, whatever the order of the draw).
    SortedNumbers,
    /// The text in Unicode NFC, with every run of white space made one
    /// space and none at either end.
    Text,
    /// Hexadecimal digits in lower case, white space and a leading 0x
    /// removed (a randomness beacon's value).
    Hex,
}

impl SeedFormat {
    pub const ALL: [SeedFormat; 4] = [
        SeedFormat::Numbers,
        SeedFormat::SortedNumbers,
        SeedFormat::Text,
        SeedFormat::Hex,
    ];

    /// The name used in manifests and by people.
    pub fn name(self) -> &'static str {
        match self {
            SeedFormat::Numbers => "numbers",
            SeedFormat::SortedNumbers => "sorted-numbers",
            SeedFormat::Text => "text",
            SeedFormat::Hex => "hex",
        }
    }

    pub fn from_name(name: &str) -> Option<SeedFormat> {
        SeedFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The committed rule for a stage's seed: its format, how many numbers or
/// hex digits it has (if fixed), and the public event it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRule {
    pub format: SeedFormat,
    /// Numbers: how many; hex: how many digits; None: any.
    pub count: Option<u32>,
    /// The public event and date the seed will come from, in the
    /// organiser's words.
    pub source: String,
}

impl SeedRule {
    /// A checked rule. `source` must say where the seed will come from.
    pub fn new(format: SeedFormat, count: Option<u32>, source: &str) -> Result<SeedRule, String> {
        let source = source.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(c) = source
            .chars()
            .find(|&c| invisible(c) || matches!(c as u32, 0x2066..=0x2069))
        {
            return Err(format!(
                "the seed's source has an invisible or control character, U+{:04X}: write it in plain text",
                c as u32
            ));
        }
        if source.is_empty() {
            return Err(
                "say where the seed will come from (the public event and its date), e.g. \"EuroMillions draw of 8 December 2026: the five main numbers, then the two stars\""
                    .into(),
            );
        }
        match (format, count) {
            (_, Some(0)) => Err("the number of seed numbers or digits must be at least 1".into()),
            (SeedFormat::Text, Some(_)) => Err(
                "a count of numbers or digits applies to the numbers and hex formats, not to text"
                    .into(),
            ),
            // Without a count, whoever types the seed could leave numbers
            // out, or add leading zeros to a hex value.
            (SeedFormat::Numbers | SeedFormat::SortedNumbers, None) => Err(
                "say how many numbers the seed will have (e.g. 7 for EuroMillions: five numbers and two stars)"
                    .into(),
            ),
            (SeedFormat::Hex, None) => Err(
                "say how many hexadecimal digits the seed will have (e.g. 64 for a drand beacon value)"
                    .into(),
            ),
            _ => Ok(SeedRule {
                format,
                count,
                source,
            }),
        }
    }

    /// The rule in words, for people.
    pub fn describe(&self) -> String {
        let what = match (self.format, self.count) {
            (SeedFormat::Numbers, Some(n)) => {
                format!("{n} whole numbers in the order given")
            }
            (SeedFormat::Numbers, None) => "whole numbers in the order given".into(),
            (SeedFormat::SortedNumbers, Some(n)) => {
                format!("{n} whole numbers, sorted")
            }
            (SeedFormat::SortedNumbers, None) => "whole numbers, sorted".into(),
            (SeedFormat::Text, _) => "Unicode NFC, white space collapsed to single spaces".into(),
            (SeedFormat::Hex, Some(n)) => format!("{n} hexadecimal digits"),
            (SeedFormat::Hex, None) => "hexadecimal digits".into(),
        };
        format!("{} ({what}) from: {}", self.format.name(), self.source)
    }

    /// The canonical form of a seed as typed, or why it does not fit the
    /// rule.
    pub fn canonical(&self, typed: &str) -> Result<String, String> {
        let canonical = match self.format {
            SeedFormat::Numbers | SeedFormat::SortedNumbers => {
                let mut numbers = numbers(typed)?;
                if self.format == SeedFormat::SortedNumbers {
                    // Without leading zeros, a longer number is larger.
                    numbers.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
                }
                if let Some(n) = self.count
                    && numbers.len() != n as usize
                {
                    return Err(format!(
                        "the rule expects {n} numbers but the seed has {} ({}): type only the numbers of the public draw",
                        numbers.len(),
                        numbers.join(" ")
                    ));
                }
                numbers.join(" ")
            }
            SeedFormat::Text => {
                if let Some(c) = typed.chars().find(|&c| invisible(c)) {
                    return Err(format!(
                        "the seed has an invisible character, U+{:04X}: type the text without it",
                        c as u32
                    ));
                }
                let text: String = typed.nfc().collect();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    return Err("the seed is empty".into());
                }
                text
            }
            SeedFormat::Hex => {
                let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
                let digits = compact
                    .strip_prefix("0x")
                    .or_else(|| compact.strip_prefix("0X"))
                    .unwrap_or(&compact);
                if let Some(c) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
                    return Err(format!(
                        "\"{}\" is not a hexadecimal digit (0-9, a-f)",
                        escaped(&c.to_string())
                    ));
                }
                if digits.is_empty() {
                    return Err("the seed has no hexadecimal digits".into());
                }
                if let Some(n) = self.count
                    && digits.len() != n as usize
                {
                    return Err(format!(
                        "the rule expects {n} hexadecimal digits but the seed has {}",
                        digits.len()
                    ));
                }
                digits.to_ascii_lowercase()
            }
        };
        Ok(canonical)
    }
}

/// Characters a text seed may not contain, since two seeds that differ
/// only by them look the same: control characters other than white space,
/// and Unicode's Default_Ignorable_Code_Point characters (zero-width
/// spaces and joiners, soft hyphens, direction marks, variation selectors,
/// byte-order marks, tags).
pub fn invisible(c: char) -> bool {
    if c.is_whitespace() {
        return false;
    }
    c.is_control()
        || matches!(
            c as u32,
            0xAD | 0x34F
                | 0x61C
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFF8
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE0FFF
        )
}

/// The whole numbers of `text` (runs of the digits 0-9; anything else
/// separates them), without leading zeros.
fn numbers(text: &str) -> Result<Vec<String>, String> {
    if let Some(c) = text.chars().find(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Err(format!(
            "the seed has the digit \"{}\" ({}), not one of 0-9: type the numbers with the digits 0-9",
            c,
            escaped(&c.to_string())
        ));
    }
    let numbers = digit_runs(text);
    if numbers.is_empty() {
        return Err("the seed has no numbers".into());
    }
    Ok(numbers)
}

/// Every maximal run of the digits 0-9 in `text`, in order, without
/// leading zeros.
pub fn digit_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .map(|run| {
            let trimmed = run.trim_start_matches('0');
            if trimmed.is_empty() { "0" } else { trimmed }.to_string()
        })
        .collect()
}

/// `text` with every character that is not printable ASCII written as
/// `\u{…}` (and a backslash as `\\`), so that two seeds that look alike
/// but differ (NFC against NFD, a no-break space) show how.
pub fn escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out
}

/// `text` with control, invisible and direction-changing characters
/// written as `\u{…}`, so that printing it cannot move the cursor, clear
/// the screen or reorder the line (other characters, accents included,
/// are kept).
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c != '\n' && (c.is_control() || invisible(c) || matches!(c as u32, 0x2066..=0x2069)) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` in quotes, escaped when it is not all printable ASCII.
pub fn quoted(text: &str) -> String {
    let e = escaped(text);
    if e == text {
        format!("\"{text}\"")
    } else {
        format!("\"{text}\" (escaped: \"{e}\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(format: SeedFormat, count: Option<u32>) -> SeedRule {
        SeedRule::new(format, count, "a public event").unwrap()
    }

    /// The vectors of docs/draw-spec.md, section "The seed rule" (also run
    /// through the independent Python implementation).
    pub const VECTORS: [(&str, Option<u32>, &str, &str); 10] = [
        ("numbers", Some(7), "3 17 22 41 48 5 9", "3 17 22 41 48 5 9"),
        (
            "numbers",
            Some(7),
            "03, 17, 22, 41, 48 + 05 09",
            "3 17 22 41 48 5 9",
        ),
        (
            "numbers",
            Some(7),
            "3-17-22-41-48 ★ 5-9\n",
            "3 17 22 41 48 5 9",
        ),
        ("numbers", Some(3), "0 00 007", "0 0 7"),
        (
            "sorted-numbers",
            Some(7),
            "48 3 41 17 22 / 9 5",
            "3 5 9 17 22 41 48",
        ),
        (
            "sorted-numbers",
            Some(4),
            "100 99 1000 0099",
            "99 99 100 1000",
        ),
        (
            "text",
            None,
            "  caf\u{0065}\u{0301}  au\tlait \n",
            "caf\u{e9} au lait",
        ),
        ("text", None, "café au lait", "caf\u{e9} au lait"),
        ("hex", Some(8), "0xDEAD beef", "deadbeef"),
        ("hex", Some(4), " 0A1b ", "0a1b"),
    ];

    #[test]
    fn the_spec_vectors_hold() {
        for (format, count, typed, canonical) in VECTORS {
            let r = rule(SeedFormat::from_name(format).unwrap(), count);
            assert_eq!(
                r.canonical(typed).as_deref(),
                Ok(canonical),
                "{format} {typed:?}"
            );
            // Canonical forms are fixed points.
            assert_eq!(r.canonical(canonical).as_deref(), Ok(canonical));
        }
    }

    #[test]
    fn seeds_that_do_not_fit_are_refused_with_the_reason() {
        let seven = rule(SeedFormat::Numbers, Some(7));
        let e = seven
            .canonical("2026-11-26 EuroMillions 3 17 22 41 48 5 9")
            .unwrap_err();
        assert!(e.contains("expects 7 numbers but the seed has 10"), "{e}");
        assert!(seven.canonical("no numbers").is_err());
        assert!(seven.canonical("3 17 22 41 48 5 \u{0669}").is_err());
        assert!(rule(SeedFormat::Text, None).canonical(" \t").is_err());
        for hidden in [
            "a\u{200b}b",
            "a\u{ad}b",
            "\u{feff}ab",
            "a\u{1f}b",
            "a\u{2060}b",
        ] {
            let e = rule(SeedFormat::Text, None).canonical(hidden).unwrap_err();
            assert!(e.contains("invisible character"), "{e}");
        }
        assert!(rule(SeedFormat::Hex, Some(4)).canonical("0xg1").is_err());
        assert!(rule(SeedFormat::Hex, Some(4)).canonical("abc").is_err());
    }

    #[test]
    fn a_rule_needs_a_source_and_a_sensible_count() {
        assert!(SeedRule::new(SeedFormat::Text, None, "  ").is_err());
        assert!(SeedRule::new(SeedFormat::Text, Some(3), "x").is_err());
        assert!(SeedRule::new(SeedFormat::Numbers, Some(0), "x").is_err());
        assert!(SeedRule::new(SeedFormat::Numbers, None, "x").is_err());
        assert!(SeedRule::new(SeedFormat::SortedNumbers, None, "x").is_err());
        assert!(SeedRule::new(SeedFormat::Hex, None, "x").is_err());
        let r = SeedRule::new(SeedFormat::Numbers, Some(7), " EuroMillions\n 8 Dec ").unwrap();
        assert_eq!(r.source, "EuroMillions 8 Dec");
        assert_eq!(
            r.describe(),
            "numbers (7 whole numbers in the order given) from: EuroMillions 8 Dec"
        );
    }

    #[test]
    fn look_alike_seeds_show_their_difference() {
        assert_eq!(escaped("cafe\u{301}"), "cafe\\u{301}");
        assert_eq!(escaped("caf\u{e9}"), "caf\\u{e9}");
        assert_eq!(quoted("seed"), "\"seed\"");
        assert!(quoted("a\u{a0}b").contains("a\\u{a0}b"));
    }
}
