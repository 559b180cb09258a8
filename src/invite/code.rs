//! Invitation codes: short, unguessable, easy to type. A code is 10
//! characters of Crockford's base 32 (no I, L, O or U) taken from
//! HMAC-SHA256(code key, pseudonym), 50 bits, and one check character
//! (Luhn mod 32), printed as `XXXX-XXXX-XXX`. Nobody without the
//! organiser's secret can make a valid code; a mistyped character, and two
//! swapped neighbours other than `0` and `Z`, are caught by the check
//! character.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Pseudonym;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The characters of a code, without the hyphens.
pub const LENGTH: usize = 11;

/// The code of an address (by its pseudonym) under `key`.
pub fn code(key: &[u8; 32], pseudonym: &Pseudonym) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(pseudonym);
    let d = mac.finalize().into_bytes();
    let bits = u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]) >> 14;
    let mut digits: Vec<u8> = (0..10)
        .rev()
        .map(|i| ((bits >> (5 * i)) & 31) as u8)
        .collect();
    digits.push(check(&digits));
    let chars: String = digits
        .iter()
        .map(|&d| ALPHABET[d as usize] as char)
        .collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

/// Luhn mod 32 check digit of `digits` (values 0..32).
fn check(digits: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut a = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
        a = a / 32 + a % 32;
        sum += a;
    }
    ((32 - sum % 32) % 32) as u8
}

/// A code as typed, in its printed form: case, spaces and hyphens do not
/// matter, and O, I and L read as 0, 1 and 1. None when it is not 11 such
/// characters or its check character is wrong.
pub fn normalise(typed: &str) -> Option<String> {
    let mut digits = Vec::with_capacity(LENGTH);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let d = ALPHABET.iter().position(|&a| a as char == c)?;
        digits.push(d as u8);
    }
    if digits.len() != LENGTH || check(&digits[..LENGTH - 1]) != digits[LENGTH - 1] {
        return None;
    }
    let chars: String = digits
        .iter()
        .map(|&d| ALPHABET[d as usize] as char)
        .collect();
    Some(format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_checked_and_forgiving() {
        let key = [7u8; 32];
        let c = code(&key, &[1u8; 16]);
        assert_eq!(c.len(), 13);
        assert_eq!(code(&key, &[1u8; 16]), c);
        assert_ne!(code(&key, &[2u8; 16]), c);
        assert_ne!(code(&[8u8; 32], &[1u8; 16]), c);
        assert_eq!(normalise(&c), Some(c.clone()));
        assert_eq!(
            normalise(&c.to_lowercase().replace('-', " ")),
            Some(c.clone())
        );
        // Every single-character change and every swap of neighbours that
        // changes the text (but 0 and Z) is caught.
        let plain: Vec<char> = c.replace('-', "").chars().collect();
        for i in 0..LENGTH {
            for &a in ALPHABET.iter() {
                let mut t = plain.clone();
                if t[i] == a as char {
                    continue;
                }
                t[i] = a as char;
                assert_eq!(normalise(&t.iter().collect::<String>()), None);
            }
            let pair = [plain[i], plain.get(i + 1).copied().unwrap_or(plain[i])];
            // Luhn mod 32 misses exactly this swap (0 ↔ 31).
            let blind = pair == ['0', 'Z'] || pair == ['Z', '0'];
            if i + 1 < LENGTH && plain[i] != plain[i + 1] && !blind {
                let mut t = plain.clone();
                t.swap(i, i + 1);
                assert_eq!(normalise(&t.iter().collect::<String>()), None, "{t:?}");
            }
        }
        assert_eq!(normalise("too short"), None);
    }
}
