// @ts-check
// Bar charts drawn as SVG: two charts of counts do not need a library. Colours come from the
// stylesheet (classes), so the policy's `style-src 'self'` holds.

const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A step of 1, 2 or 5 times a power of ten that gives about four grid lines up to `max`. */
function step(max) {
  const rough = Math.max(max, 1) / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
}

/**
 * `bars`: [{label, value, title}]. Draws the bars with a labelled y axis and every
 * `labelEvery`-th x label; each bar's `<title>` tells its exact figure on hover and to
 * screen readers, and `summary` describes the whole chart.
 */
/** @param {{label: string, value: number, title?: string}[]} bars @param {{summary?: string, labelEvery?: number, unit?: string}} [options] */
export function barChart(bars, { summary, labelEvery = 1, unit = "" } = {}) {
  const width = 640;
  const height = 240;
  const left = 48;
  const bottom = 40;
  const top = 12;
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const gridStep = step(max);
  const ceiling = Math.ceil(max / gridStep) * gridStep;
  const y = (value) => top + plotHeight - (value / ceiling) * plotHeight;

  const svg = node("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": summary || "Grafik",
    class: "bar-chart",
  });
  for (let value = 0; value <= ceiling; value += gridStep) {
    svg.append(node("line", { x1: left, x2: width - 8, y1: y(value), y2: y(value), class: "grid" }));
    svg.append(node("text", { x: left - 6, y: y(value) + 6, class: "axis", "text-anchor": "end" }, String(value)));
  }
  const slot = plotWidth / Math.max(bars.length, 1);
  const barWidth = Math.min(48, Math.max(2, slot * 0.7));
  bars.forEach((bar, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    const rect = node("rect", {
      x, y: y(bar.value), width: barWidth, height: Math.max(0, y(0) - y(bar.value)), class: "bar",
    });
    rect.append(node("title", {}, bar.title || `${bar.label}: ${bar.value}${unit}`));
    svg.append(rect);
    const last = index === bars.length - 1;
    // Every labelEvery-th day, and the last one, unless the two would overlap.
    if (last || (index % labelEvery === 0 && bars.length - 1 - index >= labelEvery / 2)) {
      svg.append(node("text", { x: x + barWidth / 2, y: height - bottom + 24, class: "axis", "text-anchor": "middle" }, bar.label));
    }
  });
  svg.append(node("line", { x1: left, x2: width - 8, y1: y(0), y2: y(0), class: "baseline" }));
  return svg;
}
