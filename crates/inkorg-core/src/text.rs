//! Text from mail and from servers, made safe to show. Bidirectional overrides and isolates,
//! direction marks and other invisible format characters let a sender make a subject, a name,
//! an address or a file name read differently from what it is ("invoice", U+202E, "fdp.exe"
//! shows as "invoiceexe.pdf"), or hide text entirely. They are removed wherever such text is shown;
//! the stored original is left as it arrived. Joiners that scripts and emoji need (U+200C,
//! U+200D) stay.

/// Whether `c` is an invisible character that can reorder or hide text.
pub(crate) fn is_spoofing(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
        | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
        | '\u{200E}' | '\u{200F}' | '\u{061C}' // LRM, RLM, ALM
        | '\u{200B}' | '\u{2060}' | '\u{FEFF}' // zero width space, word joiner, BOM
        | '\u{2061}'..='\u{2064}' // invisible operators
        | '\u{206A}'..='\u{206F}' // deprecated format characters
        | '\u{180E}'              // Mongolian vowel separator
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        | '\u{00AD}'              // soft hyphen
    )
}

/// `text` as it may be shown: spoofing characters removed, control characters (line breaks,
/// tabs, escapes) turned into spaces.
pub fn for_display(text: &str) -> String {
    text.chars()
        .filter(|c| !is_spoofing(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_right_to_left_override_cannot_disguise_a_file_name() {
        assert_eq!(for_display("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(
            for_display("\u{2067}Bank\u{2069} <a@b.se>\u{200F}"),
            "Bank <a@b.se>"
        );
        assert_eq!(for_display("pay\u{200B}pal.com"), "paypal.com");
    }

    #[test]
    fn ordinary_text_in_every_script_is_left_alone() {
        for s in [
            "Hej Åsa, välkommen!",
            "مرحبا بالعالم",
            "שלום",
            "こんにちは",
            "Привет",
            "👩\u{200D}💻 ZWJ emoji",
            "می\u{200C}خواهم",
        ] {
            assert_eq!(for_display(s), s);
        }
        assert_eq!(
            for_display("line\r\nbreak\tand\u{1b}[31m"),
            "line  break and [31m"
        );
    }
}
