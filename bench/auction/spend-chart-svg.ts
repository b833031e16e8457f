/** One line of the chart. */
export interface ChartSeries {
  label: string;
  /** Cumulative share of budget (0..1+) at each checkpoint, evenly spaced over the day. */
  points: readonly number[];
  color: string;
  dashed?: boolean;
}

/**
 * An SVG line chart of cumulative spend (share of the budget) through the day,
 * with a legend; no dependency, fixed layout, deterministic output.
 */
export function spendChartSvg(title: string, series: readonly ChartSeries[]): string {
  const width = 760;
  const height = 420;
  const left = 60;
  const right = 210;
  const top = 40;
  const bottom = 50;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const maxY = Math.max(1, ...series.flatMap((s) => s.points)) * 1.05;
  const x = (i: number, n: number): number => left + (plotW * (i + 1)) / n;
  const y = (v: number): number => top + plotH * (1 - v / maxY);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  for (let v = 0; v <= maxY + 1e-9; v += 0.25) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v * 100)}%</text>`);
  }
  for (let h = 0; h <= 24; h += 3) {
    const px = left + (plotW * h) / 24;
    out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${top}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${px.toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${String(h).padStart(2, "0")}:00</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle">time of day</text>`);
  out.push(`<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">cumulative spend / budget</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  series.forEach((s, k) => {
    const n = s.points.length;
    const d = [`M${left},${y(0).toFixed(1)}`, ...s.points.map((v, i) => `L${x(i, n).toFixed(1)},${y(v).toFixed(1)}`)].join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 2.5 : 1.8}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    const ly = top + 10 + k * 20;
    out.push(`<line x1="${left + plotW + 14}" x2="${left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${left + plotW + 46}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
