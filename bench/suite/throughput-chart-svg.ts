import type { UnarySectionResult } from "./section-unary.js";

const palette = ["#444444", "#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e", "#8c564b"];
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Two panels as one SVG: p50 latency at concurrency 1 (left, lower is
 * better) and throughput by concurrency (right, grouped bars, higher is
 * better), one colour per client.
 */
export function throughputChartSvg(u: UnarySectionResult, title: string): string {
  const W = 960;
  const H = 420;
  const top = 60;
  const bottom = 330;
  const plotH = bottom - top;
  const color = new Map(u.contenders.map((c, i) => [c.id, palette[i % palette.length]!]));
  const cell = (id: string, c: number) => u.cells.find((x) => x.contender === id && x.concurrency === c);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];

  // Left: p50 at c=1.
  const lx = 60;
  const lw = 240;
  const latencies = u.contenders.map((c) => ({ id: c.id, v: cell(c.id, 1)?.p50Us ?? 0 }));
  const lmax = niceMax(Math.max(...latencies.map((l) => l.v), 1));
  out.push(`<text x="${lx + lw / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">p50 latency at c=1 (µs, lower is better)</text>`);
  out.push(...axis(lx, lw, top, bottom, lmax));
  const bw = lw / latencies.length;
  latencies.forEach((l, i) => {
    const h = (l.v / lmax) * plotH;
    const x = lx + i * bw + bw * 0.15;
    out.push(`<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${color.get(l.id)}"/>`);
    out.push(`<text x="${(x + bw * 0.35).toFixed(1)}" y="${(bottom - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${Math.round(l.v)}</text>`);
  });

  // Right: throughput by concurrency.
  const rx = 390;
  const rw = 540;
  const levels = u.concurrencies;
  const rmax = niceMax(Math.max(...u.cells.map((c) => c.callsPerSecond), 1));
  out.push(`<text x="${rx + rw / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">throughput (calls/s, higher is better)</text>`);
  out.push(...axis(rx, rw, top, bottom, rmax));
  const gw = rw / levels.length;
  levels.forEach((level, g) => {
    const present = u.contenders.filter((c) => cell(c.id, level));
    const w = (gw * 0.85) / Math.max(1, present.length);
    present.forEach((c, i) => {
      const v = cell(c.id, level)!.callsPerSecond;
      const h = (v / rmax) * plotH;
      const x = rx + g * gw + gw * 0.075 + i * w;
      out.push(`<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(w * 0.9).toFixed(1)}" height="${h.toFixed(1)}" fill="${color.get(c.id)}"/>`);
    });
    out.push(`<text x="${(rx + g * gw + gw / 2).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">c=${level}</text>`);
  });

  // Legend.
  u.contenders.forEach((c, i) => {
    const x = 60 + (i % 3) * 300;
    const y = bottom + 40 + Math.floor(i / 3) * 18;
    out.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${color.get(c.id)}"/>`);
    out.push(`<text x="${x + 15}" y="${y}">${escape(c.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function axis(x: number, w: number, top: number, bottom: number, max: number): string[] {
  const lines = [`<line x1="${x}" y1="${bottom}" x2="${x + w}" y2="${bottom}" stroke="#000"/>`, `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#000"/>`];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    const y = bottom - ((bottom - top) * k) / 4;
    lines.push(`<line x1="${x}" y1="${y}" x2="${x + w}" y2="${y}" stroke="#dddddd"/>`);
    lines.push(`<text x="${x - 4}" y="${y + 4}" text-anchor="end" font-size="9">${v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k` : Math.round(v)}</text>`);
  }
  return lines;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
