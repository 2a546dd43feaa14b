//! Charts as inline SVG (plotters' SVG backend): line charts with optional 95 % CI bands,
//! stacked areas, a waterfall, a scatter with its Pareto front, a front of two objectives with CIs, a heat map and a forest plot.
//! Every chart has a title, axis labels with units, and draws its data as paths, rects or
//! circles (never an empty frame: a chart without data says so in its title).

use plotters::prelude::*;

/// One named line, optionally with a band (low, high) around it.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) band, same length as `points` or empty.
    pub band: Vec<(f64, f64, f64)>,
}

const W: u32 = 820;
const H: u32 = 340;

/// Okabe & Ito's colour-blind-safe palette (2008), its yellow last (faint on white); past
/// eight, plotters' own.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

fn color(i: usize) -> RGBColor {
    OKABE_ITO.get(i).copied().unwrap_or_else(|| {
        let c = Palette99::pick(i).to_rgba();
        RGBColor(c.0, c.1, c.2)
    })
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("chart: {e:?}")
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// A white canvas with a titled, labelled x–y frame over `x` × `y`.
fn frame<'a, 'b>(root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>, title: &str, x_desc: &str, y_desc: &str, x: (f64, f64), y: (f64, f64)) -> Result<Chart<'a, 'b>, String> {
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// An axis tick as people write numbers: whole numbers from 100 up without decimals and with
/// thousands apart (`11 680`), smaller ones with at most three significant digits (`0.25`).
pub fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.abs() >= 100.0 {
        let digits = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push('\u{2009}');
            }
            grouped.push(ch);
        }
        return if v < 0.0 { format!("−{grouped}") } else { grouped };
    }
    let s = format!("{:.*}", (2 - v.abs().max(1e-9).log10().floor() as i32).clamp(0, 6) as usize, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s.replace('-', "−") }
}

/// A white canvas with a titled frame for `n` labelled rows (row `j` spans y ∈ [j, j + 1],
/// the first row on top) over x ∈ `x`; the rows' names are drawn as text at the left edge,
/// so the frame has no y labels.
fn rows_frame<'a, 'b>(root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>, title: &str, x_desc: &str, x: (f64, f64), n: usize) -> Result<Chart<'a, 'b>, String> {
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(10)
        .build_cartesian_2d(x.0..x.1, 0.0..n as f64)
        .map_err(err)?;
    chart.configure_mesh().x_desc(x_desc).disable_y_mesh().y_labels(0).light_line_style(WHITE.mix(0.0)).draw().map_err(err)?;
    Ok(chart)
}

/// A line chart; series with a band get a shaded 95 % CI.
///
/// # Errors
/// A message if plotters fails to draw.
pub fn lines(title: &str, x_desc: &str, y_desc: &str, series: &[Series]) -> Result<String, String> {
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (x0, x1) = span(xs);
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1).chain(s.band.iter().flat_map(|b| [b.1, b.2])));
    let (y0, y1) = span(ys);
    let named = series.len() > 1 || series.first().is_some_and(|s| !s.name.is_empty());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + if named { LEGEND_W } else { 0 }, H)).into_drawing_area();
        let (plot, side) = root.split_horizontally(W);
        let mut chart = frame(&plot, title, x_desc, y_desc, (x0, x1), (y0, y1))?;
        for (i, s) in series.iter().enumerate() {
            let c = color(i);
            if !s.band.is_empty() {
                let mut poly: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(s.band.iter().rev().map(|b| (b.0, b.1)));
                chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2).filled()))).map_err(err)?;
            }
            chart.draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2))).map_err(err)?;
            if s.points.len() <= 30 {
                chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, c.filled()))).map_err(err)?;
            }
        }
        if named {
            legend(&side, series.iter().enumerate().map(|(i, s)| (s.name.as_str(), color(i), false)))?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Groups of points (one colour each, no lines; the last group ringed, larger, on top) and,
/// optionally, one black line over them (e.g. the best so far of a search).
///
/// # Errors
/// As [`lines`].
pub fn scatter(title: &str, x_desc: &str, y_desc: &str, groups: &[Series], line: Option<&Series>) -> Result<String, String> {
    let all = || groups.iter().chain(line).flat_map(|s| s.points.iter().copied());
    let (x0, x1) = span(all().map(|p| p.0));
    let (y0, y1) = span(all().map(|p| p.1));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + LEGEND_W, H)).into_drawing_area();
        let (plot, side) = root.split_horizontally(W);
        let mut chart = frame(&plot, title, x_desc, y_desc, (x0, x1), (y0, y1))?;
        for (i, g) in groups.iter().enumerate() {
            let last = i + 1 == groups.len() && groups.len() > 1;
            chart.draw_series(g.points.iter().map(|&p| Circle::new(p, if last { 7 } else { 4 }, color(i).filled()))).map_err(err)?;
            if last {
                chart.draw_series(g.points.iter().map(|&p| Circle::new(p, 7, BLACK.stroke_width(1)))).map_err(err)?;
            }
        }
        if let Some(l) = line {
            chart.draw_series(LineSeries::new(l.points.iter().copied(), BLACK.stroke_width(2))).map_err(err)?;
        }
        let mut entries: Vec<(&str, RGBColor, bool)> = groups.iter().enumerate().map(|(i, g)| (g.name.as_str(), color(i), true)).collect();
        if let Some(l) = line {
            entries.push((l.name.as_str(), BLACK, false));
        }
        legend(&side, entries.into_iter())?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A measured value with its 95 % CI: (mean, low, high).
pub type WithBounds = (f64, f64, f64);

/// A Pareto front of two objectives: the other candidates' estimates as grey dots, the
/// front's points (each objective's mean with its 95 % CI as a cross) joined in order, and
/// the chosen point ringed.
///
/// # Errors
/// As [`lines`].
pub fn front(title: &str, x_desc: &str, y_desc: &str, others: &[(f64, f64)], points: &[(WithBounds, WithBounds)], chosen: Option<usize>) -> Result<String, String> {
    let (x0, x1) = span(others.iter().map(|p| p.0).chain(points.iter().flat_map(|p| [p.0.1, p.0.2])));
    let (y0, y1) = span(others.iter().map(|p| p.1).chain(points.iter().flat_map(|p| [p.1.1, p.1.2])));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + LEGEND_W, H)).into_drawing_area();
        let (plot, side) = root.split_horizontally(W);
        let mut chart = frame(&plot, title, x_desc, y_desc, (x0, x1), (y0, y1))?;
        let grey = RGBColor(170, 170, 170);
        chart.draw_series(others.iter().map(|&p| Circle::new(p, 3, grey.filled()))).map_err(err)?;
        let c = color(0);
        chart.draw_series(LineSeries::new(points.iter().map(|p| (p.0.0, p.1.0)), c.stroke_width(2))).map_err(err)?;
        for &((x, xl, xh), (y, yl, yh)) in points {
            chart.draw_series([PathElement::new(vec![(xl, y), (xh, y)], c.stroke_width(1)), PathElement::new(vec![(x, yl), (x, yh)], c.stroke_width(1))]).map_err(err)?;
        }
        chart.draw_series(points.iter().map(|p| Circle::new((p.0.0, p.1.0), 4, c.filled()))).map_err(err)?;
        if let Some(&((x, ..), (y, ..))) = chosen.and_then(|i| points.get(i)) {
            chart.draw_series(std::iter::once(Circle::new((x, y), 8, BLACK.stroke_width(2)))).map_err(err)?;
        }
        let entries = [("other candidates", grey, true), ("front (95 % CIs)", c, false), ("chosen (ringed)", BLACK, false)];
        legend(&side, entries.into_iter())?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// `c` at opacity `a` over white, as an opaque colour (for a legend box beside an area).
fn on_white(c: RGBColor, a: f64) -> RGBColor {
    let mix = |x: u8| (a * x as f64 + (1.0 - a) * 255.0).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Width of the legend panel beside a chart, px.
const LEGEND_W: u32 = 190;

/// The series' names in a panel beside the plot, never over the data: a line (or a box,
/// for areas) in the series' colour, then its name.
fn legend<'a>(area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, entries: impl Iterator<Item = (&'a str, RGBColor, bool)>) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    for (i, (name, c, boxed)) in entries.enumerate() {
        let y = 44 + 18 * i as i32;
        if boxed {
            area.draw(&Rectangle::new([(6, y - 5), (20, y + 5)], c.filled())).map_err(err)?;
        } else {
            area.draw(&PathElement::new(vec![(4, y), (22, y)], c.stroke_width(2))).map_err(err)?;
        }
        area.draw(&Text::new(name.to_string(), (28, y - 7), ("sans-serif", 13))).map_err(err)?;
    }
    Ok(())
}

/// Stacked areas (layers drawn cumulatively, first at the bottom); all layers share x.
///
/// # Errors
/// As [`lines`].
pub fn stacked(title: &str, x_desc: &str, y_desc: &str, layers: &[Series]) -> Result<String, String> {
    let n = layers.first().map_or(0, |l| l.points.len());
    let mut tops = vec![0.0; n];
    let mut bands = Vec::new();
    for l in layers {
        let lower = tops.clone();
        for (i, p) in l.points.iter().enumerate().take(n) {
            tops[i] += p.1.max(0.0);
        }
        bands.push((lower, tops.clone()));
    }
    let xs: Vec<f64> = layers.first().map_or(vec![], |l| l.points.iter().map(|p| p.0).collect());
    let (x0, x1) = span(xs.iter().copied());
    let (_, y1) = span(tops.iter().copied());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + LEGEND_W, H)).into_drawing_area();
        let (plot, side) = root.split_horizontally(W);
        let mut chart = frame(&plot, title, x_desc, y_desc, (x0, x1), (0.0, y1))?;
        for (i, (lo, hi)) in bands.iter().enumerate() {
            let c = color(i);
            let mut poly: Vec<(f64, f64)> = xs.iter().zip(hi).map(|(&x, &y)| (x, y)).collect();
            poly.extend(xs.iter().zip(lo).rev().map(|(&x, &y)| (x, y)));
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.7).filled()))).map_err(err)?;
        }
        // Top layer first, as the areas stack.
        legend(&side, layers.iter().enumerate().rev().map(|(i, l)| (l.name.as_str(), on_white(color(i), 0.7), true)))?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A waterfall: a starting total, then steps down (losses), ending at what is left.
///
/// # Errors
/// As [`lines`].
pub fn waterfall(title: &str, y_desc: &str, start: (&str, f64), steps: &[(String, f64)], end_label: &str) -> Result<String, String> {
    let n = steps.len() + 2;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H + 40)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        // Zoom on the losses: the axis starts below what is left by half the total loss.
        let lost: f64 = steps.iter().map(|s| s.1).sum();
        let left = start.1 - lost;
        let bottom = (left - 0.5 * lost.max(start.1 * 0.01)).max(0.0);
        let top = start.1 + 0.05 * (start.1 - bottom).max(1.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{title} (axis starts at {})", tick(bottom)), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(80)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n).into_segmented(), bottom..top)
            .map_err(err)?;
        let mut labels = vec![start.0.to_string()];
        labels.extend(steps.iter().map(|s| s.0.clone()));
        labels.push(end_label.to_string());
        chart
            .configure_mesh()
            .y_desc(y_desc)
            .y_label_formatter(&|v| tick(*v))
            .x_labels(n)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_style(("sans-serif", 11).into_font().transform(FontTransform::Rotate90))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        let mut level = start.1;
        let mut bars = vec![(0usize, bottom, start.1, color(0))];
        for (i, (_, v)) in steps.iter().enumerate() {
            bars.push((i + 1, level - v, level, color(3)));
            level -= v;
        }
        bars.push((n - 1, bottom, level, color(2)));
        if bottom > 0.0 {
            // The axis is broken: a zig-zag across its foot, as on paper.
            let (x, y) = chart.backend_coord(&(SegmentValue::Exact(0), bottom));
            let zig: Vec<(i32, i32)> = (0..5).map(|k| (x - 8 + 4 * k, y - 10 + if k % 2 == 0 { 0 } else { 6 })).collect();
            root.draw(&PathElement::new(zig.clone(), WHITE.stroke_width(5))).map_err(err)?;
            root.draw(&PathElement::new(zig, BLACK.stroke_width(1))).map_err(err)?;
        }
        chart
            .draw_series(bars.into_iter().map(|(i, lo, hi, c)| {
                Rectangle::new([(SegmentValue::Exact(i), lo), (SegmentValue::Exact(i + 1), hi)], c.mix(0.8).filled())
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A scatter of labelled points with the Pareto front (lowest x and y) joined and marked.
///
/// # Errors
/// As [`lines`].
pub fn pareto_scatter(title: &str, x_desc: &str, y_desc: &str, points: &[(f64, f64)]) -> Result<String, String> {
    let (x0, x1) = span(points.iter().map(|p| p.0));
    let (y0, y1) = span(points.iter().map(|p| p.1));
    let mut front: Vec<(f64, f64)> =
        points.iter().copied().filter(|&(x, y)| !points.iter().any(|&(a, b)| a <= x && b <= y && (a < x || b < y))).collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let mut chart = frame(&root, title, x_desc, y_desc, (x0, x1), (y0, y1))?;
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, color(0).filled())))
            .map_err(err)?
            .label("sweep point")
            .legend(|(x, y)| Circle::new((x + 8, y), 4, color(0).filled()));
        chart
            .draw_series(LineSeries::new(front.iter().copied(), color(3).stroke_width(2)))
            .map_err(err)?
            .label("Pareto front")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color(3).stroke_width(2)));
        chart.draw_series(front.iter().map(|&p| Circle::new(p, 6, color(3).stroke_width(2)))).map_err(err)?;
        chart.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(BLACK).draw().map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A heat map of `values[j][i]` over x labels `xs` (i) and y labels `ys` (j).
///
/// # Errors
/// As [`lines`].
pub fn heatmap(title: &str, x_desc: &str, y_desc: &str, xs: &[String], ys: &[String], values: &[Vec<f64>]) -> Result<String, String> {
    let (lo, hi) = span(values.iter().flatten().copied());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{title} (dark = high: {hi:.4}; light = low: {lo:.4})"), ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d((0..xs.len()).into_segmented(), (0..ys.len()).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => xs.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(j) => ys.get(*j).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .disable_mesh()
            .draw()
            .map_err(err)?;
        let cells = values.iter().enumerate().flat_map(|(j, row)| {
            row.iter().enumerate().map(move |(i, &v)| {
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                let shade = (235.0 - 200.0 * t) as u8;
                Rectangle::new(
                    [(SegmentValue::Exact(i), SegmentValue::Exact(j)), (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1))],
                    RGBColor(shade, shade, 255).filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A forest plot: one row per effect, its mean and 95 % CI, each row scaled to its own
/// largest |value| (effects differ in units), with the zero line.
///
/// # Errors
/// As [`lines`].
pub fn forest(title: &str, rows: &[(String, f64, f64, f64, bool)]) -> Result<String, String> {
    let n = rows.len().max(1);
    let height = (60 + 22 * n as u32).max(200);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + 200, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(320)
            .build_cartesian_2d(-1.1f64..1.1f64, (0..n).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("effect B − A, scaled to each row's largest |value| (0 = no effect)")
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(j) => rows.get(n - 1 - *j).map(|r| r.0.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))], BLACK)))
            .map_err(err)?;
        for (k, (_, mean, lo, hi, ok)) in rows.iter().enumerate() {
            let j = n - 1 - k;
            let scale = [mean.abs(), lo.abs(), hi.abs()].into_iter().fold(1e-12, f64::max);
            let c = if *ok { color(2) } else { color(3) };
            let y = || SegmentValue::CenterOf(j);
            chart.draw_series(std::iter::once(PathElement::new(vec![(lo / scale, y()), (hi / scale, y())], c.stroke_width(3)))).map_err(err)?;
            chart.draw_series(std::iter::once(Circle::new((mean / scale, y()), 5, c.filled()))).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A scatter of named points, each labelled with its name (e.g. Morris μ* against σ).
///
/// # Errors
/// As [`lines`].
pub fn labelled_scatter(title: &str, x_desc: &str, y_desc: &str, points: &[(String, f64, f64)]) -> Result<String, String> {
    let (_, x1) = span(points.iter().map(|p| p.1).chain([0.0]));
    let (_, y1) = span(points.iter().map(|p| p.2).chain([0.0]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let mut chart = frame(&root, title, x_desc, y_desc, (0.0, x1 * 1.25), (0.0, y1))?;
        for (i, (name, x, y)) in points.iter().enumerate() {
            chart.draw_series(std::iter::once(Circle::new((*x, *y), 5, color(i).filled()))).map_err(err)?;
            chart.draw_series(std::iter::once(Text::new(name.clone(), (*x, *y), ("sans-serif", 12).into_font().color(&BLACK)))).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A value with its 95 % CI: (value, low, high).
pub type WithCi = (f64, f64, f64);

/// Paired horizontal bars per row (e.g. Sobol S1 and ST), each with its 95 % CI, on [0, 1]:
/// `rows` of (name, (first, low, high), (second, low, high)).
///
/// # Errors
/// As [`lines`].
pub fn index_bars(title: &str, first: &str, second: &str, rows: &[(String, WithCi, WithCi)]) -> Result<String, String> {
    let n = rows.len().max(1);
    let height = (90 + 44 * n as u32).max(200);
    let finite = |v: &f64| v.is_finite();
    let hi = rows.iter().flat_map(|r| [r.1.2, r.2.2, r.1.0, r.2.0]).filter(finite).fold(1.0, f64::max);
    let lo = rows.iter().flat_map(|r| [r.1.1, r.2.1]).filter(finite).fold(0.0, f64::min);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, height)).into_drawing_area();
        let (left, right) = (lo - 0.45 * (hi - lo), hi * 1.05);
        let x_desc = format!("index (share of the variance); dark bars: {first}, light bars: {second}; lines: 95 % CI");
        let mut chart = rows_frame(&root, title, &x_desc, (left, right), n)?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (0.0, n as f64)], BLACK))).map_err(err)?;
        for (k, (name, a, b)) in rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            chart.draw_series(std::iter::once(Text::new(name.clone(), (left, y + 0.6), ("sans-serif", 12).into_font().color(&BLACK)))).map_err(err)?;
            for (v, base, fill) in [(a, y + 0.5, color(0).filled()), (b, y + 0.1, color(0).mix(0.35).filled())] {
                chart.draw_series(std::iter::once(Rectangle::new([(0.0, base), (v.0.max(0.0), base + 0.35)], fill))).map_err(err)?;
                let mid = base + 0.175;
                chart.draw_series(std::iter::once(PathElement::new(vec![(v.1, mid), (v.2, mid)], BLACK.stroke_width(2)))).map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One row per labelled item: its value as a dot with its 95 % CI as a line, on one
/// shared x scale (e.g. a KPI per sweep point when no parameter is numeric).
///
/// # Errors
/// As [`lines`].
pub fn dots(title: &str, x_desc: &str, rows: &[(String, f64, f64, f64)]) -> Result<String, String> {
    let n = rows.len().max(1);
    let height = (90 + 26 * n as u32).max(200);
    let (x0, x1) = span(rows.iter().flat_map(|r| [r.1, r.2, r.3]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W + 200, height)).into_drawing_area();
        let left = x0 - 0.8 * (x1 - x0);
        let mut chart = rows_frame(&root, title, x_desc, (left, x1), n)?;
        for (k, (name, mean, lo, hi)) in rows.iter().enumerate() {
            let y = (n - 1 - k) as f64 + 0.5;
            chart.draw_series(std::iter::once(Text::new(name.clone(), (left, y + 0.15), ("sans-serif", 11).into_font().color(&BLACK)))).map_err(err)?;
            chart.draw_series(std::iter::once(PathElement::new(vec![(*lo, y), (*hi, y)], color(1).stroke_width(3)))).map_err(err)?;
            chart.draw_series(std::iter::once(Circle::new((*mean, y), 5, color(1).filled()))).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_people_write_numbers() {
        assert_eq!(tick(11680.0), "11\u{2009}680");
        assert_eq!(tick(355798.4), "355\u{2009}798");
        assert_eq!(tick(-2500.0), "−2\u{2009}500");
        assert_eq!(tick(100.0), "100");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.000123), "0.000123");
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(-0.5), "−0.5");
    }
}
