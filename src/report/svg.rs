//! Charts as inline SVG: the few shapes the reports need (bar rows, a
//! curve, circles), written as text so that the same numbers give the same
//! bytes and no font, library or script is needed to show them.
//!
//! Every chart is `role="img"` with a `<title>` and a `<desc>` that says in
//! words what it shows (its text alternative); every mark carries its own
//! `<title>` (a tooltip, and what a screen reader reads) and `data-`
//! attributes with its numbers, which the tests read back.

use std::fmt::Write as _;

use crate::logistics::export::esc;

/// Colours used across charts (colour-blind-safe Okabe–Ito tones).
pub const POOL: &str = "#bbbbbb";
pub const PANEL: &str = "#0072b2";
pub const BAND: &str = "#e69f00";
pub const SECOND: &str = "#d55e00";
/// Category colours for people in pictures (Okabe–Ito, then greys).
pub const PALETTE: &[&str] = &[
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
    "#777777", "#bbbbbb",
];

/// An SVG element being written: width, height, title and description.
pub struct Svg {
    out: String,
}

impl Svg {
    /// Starts a chart `w`×`h` (user units; it scales to the page width).
    /// `id` makes the title and description referable.
    pub fn new(id: &str, w: f64, h: f64, title: &str, desc: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg viewBox=\"0 0 {w:.0} {h:.0}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" class=\"chart\" font-family=\"sans-serif\" font-size=\"12\">\n<title id=\"{id}-t\">{}</title>\n<desc id=\"{id}-d\">{}</desc>\n",
            esc(title),
            esc(desc)
        );
        Svg { out }
    }

    /// Raw markup (already escaped).
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A rectangle with a tooltip and data attributes (`("count", "56")`).
    #[allow(clippy::too_many_arguments)]
    pub fn rect(
        &mut self,
        class: &str,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        style: &str,
        tip: &str,
        data: &[(&str, String)],
    ) {
        let _ = write!(
            self.out,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" {style}",
            w.max(0.0)
        );
        for (k, v) in data {
            let _ = write!(self.out, " data-{k}=\"{}\"", esc(v));
        }
        let _ = writeln!(self.out, "><title>{}</title></rect>", esc(tip));
    }

    /// Text at (x, y); `anchor` is start, middle or end.
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, s: &str) {
        let _ = writeln!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
            esc(s)
        );
    }

    /// A line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = writeln!(
            self.out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" {style}/>"
        );
    }

    /// A polyline through `points`, with a class and a tooltip.
    pub fn polyline(&mut self, class: &str, points: &[(f64, f64)], style: &str, tip: &str) {
        let _ = write!(
            self.out,
            "<polyline class=\"{class}\" fill=\"none\" {style} data-points=\"{}\" points=\"",
            points.len()
        );
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let _ = write!(self.out, "{x:.1},{y:.1}");
        }
        let _ = writeln!(self.out, "\"><title>{}</title></polyline>", esc(tip));
    }

    /// A circle with a tooltip.
    pub fn circle(&mut self, class: &str, cx: f64, cy: f64, r: f64, style: &str, tip: &str) {
        let _ = writeln!(
            self.out,
            "<circle class=\"{class}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" {style}><title>{}</title></circle>",
            esc(tip)
        );
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// One row of a bar-rows chart: a label, a grey reference share (the
/// pool), an allowed band (the quota) and the measured share (the panel),
/// all as fractions of 1, with the counts behind them for tooltips.
pub struct BarRow {
    pub label: String,
    pub reference: f64,
    pub reference_count: usize,
    pub band: (f64, f64),
    pub band_counts: (u32, u32),
    pub measured: Option<(f64, u32)>,
    /// What the measured count is, for its tooltip ("on the panel").
    pub measured_words: &'static str,
}

/// Horizontal rows: the pool's share as a grey bar, the quota as an
/// outlined band, the panel's share as a blue bar inside; a scale in %.
pub fn bar_rows(id: &str, title: &str, desc: &str, rows: &[BarRow]) -> String {
    const LABEL: f64 = 170.0;
    const PLOT: f64 = 420.0;
    const ROW: f64 = 30.0;
    const TOP: f64 = 8.0;
    let top_share = rows
        .iter()
        .flat_map(|r| [r.reference, r.band.1, r.measured.map_or(0.0, |m| m.0)])
        .fold(0.0f64, f64::max);
    // The scale ends at the next 10% above everything shown.
    let scale = ((top_share * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
    let x = |f: f64| LABEL + PLOT * (f / scale).min(1.0);
    let h = TOP + ROW * rows.len() as f64 + 22.0;
    let mut svg = Svg::new(id, LABEL + PLOT + 70.0, h, title, desc);
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let label: String = if r.label.chars().count() > 26 {
            r.label.chars().take(25).collect::<String>() + "…"
        } else {
            r.label.clone()
        };
        svg.text(LABEL - 6.0, y + 18.0, "end", &label);
        svg.rect(
            "pool",
            LABEL,
            y + 4.0,
            x(r.reference) - LABEL,
            22.0,
            &format!("fill=\"{POOL}\""),
            &format!(
                "{}: {} in the pool ({:.1}%)",
                r.label,
                r.reference_count,
                100.0 * r.reference
            ),
            &[
                ("value", r.label.clone()),
                ("count", r.reference_count.to_string()),
            ],
        );
        svg.rect(
            "band",
            x(r.band.0),
            y + 2.0,
            (x(r.band.1) - x(r.band.0)).max(1.5),
            26.0,
            &format!("fill=\"none\" stroke=\"{BAND}\" stroke-width=\"2.5\""),
            &format!(
                "{}: the quota allows {} to {} seats ({:.1}% to {:.1}%)",
                r.label,
                r.band_counts.0,
                r.band_counts.1,
                100.0 * r.band.0,
                100.0 * r.band.1
            ),
            &[
                ("value", r.label.clone()),
                ("min", r.band_counts.0.to_string()),
                ("max", r.band_counts.1.to_string()),
            ],
        );
        if let Some((share, count)) = r.measured {
            svg.rect(
                "panel",
                LABEL,
                y + 10.0,
                x(share) - LABEL,
                10.0,
                &format!("fill=\"{PANEL}\""),
                &format!(
                    "{}: {} on the panel ({:.1}%)",
                    r.label,
                    count,
                    100.0 * share
                ),
                &[("value", r.label.clone()), ("count", count.to_string())],
            );
            svg.text(LABEL + PLOT + 6.0, y + 18.0, "start", &format!("{count}"));
        } else {
            svg.text(
                LABEL + PLOT + 6.0,
                y + 18.0,
                "start",
                &format!("{}", r.reference_count),
            );
        }
    }
    axis(&mut svg, LABEL, PLOT, TOP + ROW * rows.len() as f64, scale);
    svg.finish()
}

/// A percentage axis under a plot from `x0` over `width`, at `y`.
fn axis(svg: &mut Svg, x0: f64, width: f64, y: f64, scale: f64) {
    svg.line(x0, y, x0 + width, y, "stroke=\"#555\"");
    let steps = 5;
    for s in 0..=steps {
        let f = scale * s as f64 / steps as f64;
        let x = x0 + width * s as f64 / steps as f64;
        svg.line(x, y, x, y + 4.0, "stroke=\"#555\"");
        svg.text(x, y + 16.0, "middle", &format!("{:.0}%", 100.0 * f));
    }
}

/// One curve of a sorted-values chart.
pub struct Curve<'a> {
    pub class: &'a str,
    pub label: &'a str,
    pub colour: &'a str,
    /// Values in [0, 1], in the order to draw (sorted ascending).
    pub values: &'a [f64],
}

/// Everyone's chance sorted from lowest to highest, one point per person,
/// with a dashed line at `mark` (k/n).
pub fn sorted_curves(
    id: &str,
    title: &str,
    desc: &str,
    curves: &[Curve],
    mark: (f64, &str),
) -> String {
    const LEFT: f64 = 50.0;
    const PLOT_W: f64 = 540.0;
    const PLOT_H: f64 = 240.0;
    const TOP: f64 = 12.0;
    let mut svg = Svg::new(id, LEFT + PLOT_W + 20.0, TOP + PLOT_H + 60.0, title, desc);
    let y = |v: f64| TOP + PLOT_H * (1.0 - v.clamp(0.0, 1.0));
    for s in 0..=4 {
        let v = s as f64 / 4.0;
        svg.line(LEFT, y(v), LEFT + PLOT_W, y(v), "stroke=\"#ddd\"");
        svg.text(LEFT - 6.0, y(v) + 4.0, "end", &format!("{:.0}%", 100.0 * v));
    }
    svg.line(
        LEFT,
        TOP + PLOT_H,
        LEFT + PLOT_W,
        TOP + PLOT_H,
        "stroke=\"#555\"",
    );
    svg.line(LEFT, TOP, LEFT, TOP + PLOT_H, "stroke=\"#555\"");
    for c in curves {
        let n = c.values.len().max(1);
        let points: Vec<(f64, f64)> = c
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let x = if n == 1 {
                    LEFT + PLOT_W / 2.0
                } else {
                    LEFT + PLOT_W * i as f64 / (n - 1) as f64
                };
                (x, y(v))
            })
            .collect();
        svg.polyline(
            c.class,
            &points,
            &format!("stroke=\"{}\" stroke-width=\"2\"", c.colour),
            c.label,
        );
    }
    svg.line(
        LEFT,
        y(mark.0),
        LEFT + PLOT_W,
        y(mark.0),
        "class=\"mark\" stroke=\"#000\" stroke-dasharray=\"5 4\"",
    );
    svg.text(LEFT + PLOT_W - 4.0, y(mark.0) - 5.0, "end", mark.1);
    svg.text(
        LEFT + PLOT_W / 2.0,
        TOP + PLOT_H + 18.0,
        "middle",
        "volunteers, from the lowest chance to the highest",
    );
    // The legend.
    for (i, c) in curves.iter().enumerate() {
        let lx = LEFT + 180.0 * i as f64;
        let ly = TOP + PLOT_H + 40.0;
        svg.line(
            lx,
            ly,
            lx + 24.0,
            ly,
            &format!("stroke=\"{}\" stroke-width=\"3\"", c.colour),
        );
        svg.text(lx + 30.0, ly + 4.0, "start", c.label);
    }
    svg.finish()
}
