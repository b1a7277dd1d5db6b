//! Finds the comments of a YAML text: the parser drops them, and an import
//! must say so rather than lose them silently.

use crate::load::node::Pos;

/// Position of each comment's `#`, outside quoted scalars and block scalars.
pub fn find(text: &str) -> Vec<Pos> {
    let mut out = Vec::new();
    // Indentation of the line that opened a block scalar (`key: |`).
    let mut block: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(opener) = block {
            if line.trim().is_empty() || indent > opener {
                continue;
            }
            block = None;
        }
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut quote: Option<char> = None;
        let mut content_end = line.len();
        let mut i = 0;
        while i < chars.len() {
            let (byte, c) = chars[i];
            let prev = if i == 0 { ' ' } else { chars[i - 1].1 };
            match quote {
                // `''` inside single quotes is an escaped quote.
                Some('\'') if c == '\'' && chars.get(i + 1).map(|x| x.1) == Some('\'') => i += 1,
                Some('\'') if c == '\'' => quote = None,
                Some('"') if c == '"' && prev != '\\' => quote = None,
                Some(_) => {}
                None if c == '#' && prev.is_whitespace() => {
                    out.push(Pos {
                        line: index as u32 + 1,
                        col: i as u32 + 1,
                    });
                    content_end = byte;
                    break;
                }
                None if matches!(c, '\'' | '"')
                    && (prev.is_whitespace() || "[{:,-".contains(prev)) =>
                {
                    quote = Some(c)
                }
                None => {}
            }
            i += 1;
        }
        let content = line[..content_end].trim_end();
        if opens_block(content) {
            block = Some(indent);
        }
    }
    out
}

/// `key: |`, `- >-`, `key: |2+` ...: the lines after it are text.
fn opens_block(content: &str) -> bool {
    let Some(last) = content.rsplit(' ').next() else {
        return false;
    };
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
        && (content.len() == last.len()
            || content[..content.len() - last.len()]
                .trim_end()
                .ends_with([':', '-']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_strings_and_block_text() {
        let text = "# top\na: 1 # after\nb: \"x # not\"\nc: |\n  # code comment\n  x\nd: 'it''s # no' # yes\n";
        let lines: Vec<(u32, u32)> = find(text).iter().map(|p| (p.line, p.col)).collect();
        assert_eq!(lines, [(1, 1), (2, 6), (7, 17)]);
    }
}
