//! Lines the view has already wrapped or cut to width, written straight into the
//! frame. `Paragraph` would split every line into styled graphemes and lay them out
//! again on each frame; these lines need only be copied.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::Widget;

/// One line a row from the top of the area, as many as fit; a line wider than the
/// area is cut at its edge, as an unwrapped `Paragraph` cuts it.
pub struct Rows<'a>(pub &'a [Line<'a>]);

impl Widget for Rows<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for (line, y) in self.0.iter().zip(area.top()..area.bottom()) {
            let offset = match line.alignment {
                Some(Alignment::Center) => (area.width / 2).saturating_sub(line_width(line) / 2),
                Some(Alignment::Right) => area.width.saturating_sub(line_width(line)),
                _ => 0,
            };
            buf.set_line(area.x + offset, y, line, area.width - offset);
        }
    }
}

fn line_width(line: &Line) -> u16 {
    u16::try_from(line.width()).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Style};
    use ratatui::text::Span;
    use ratatui::widgets::Paragraph;

    use super::*;

    fn drawn(widget: impl Widget, width: u16, height: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
        widget.render(Rect::new(1, 1, width - 2, height - 2), &mut buf);
        buf
    }

    #[test]
    fn draws_what_an_unwrapped_paragraph_draws() {
        let lines = vec![
            Line::from(vec![
                Span::styled("\"Resource\": ", Style::new().fg(Color::Cyan)),
                Span::raw("\"arn:aws:ecr:us-west-2:123456789012:repository/team/app\""),
            ]),
            Line::raw(""),
            Line::from("wide 字符 cut at the edge of the area, past its width"),
            Line::from("centred").centered(),
            Line::from("a centred line wider than the narrow areas").centered(),
            Line::from(Span::styled("right", Style::new().fg(Color::Red))).right_aligned(),
            Line::from("one line more than the area holds"),
        ];
        for width in [12, 20, 41, 80] {
            assert_eq!(
                drawn(Rows(&lines), width, 8),
                drawn(Paragraph::new(lines.clone()), width, 8),
                "width {width}"
            );
        }
    }
}
