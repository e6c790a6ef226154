/**
 * The evaluation as one self-contained HTML page: inline CSS and SVG charts, no script, no font, nothing fetched, so it
 * opens from disk anywhere. Every text from the data or the model is HTML-escaped.
 */
import type { EvaluationResults } from "./results";
import type { ScoredRecord, Summary } from "./summary";
import type { Curve } from "./mlflow";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const COLOURS = { fineTuned: "#1f6feb", baseline: "#d4731c", eval: "#2da44e" };
const W = 560;
const H = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 40 };

const fmt = (x: number, digits = 3) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** Counts of `values` in `bins` equal bins from `lo` to `hi` (the last bin holds `hi`). */
export function histogram(values: readonly number[], bins: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins || 1;
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  return counts;
}

interface Series {
  readonly label: string;
  readonly colour: string;
  readonly counts: readonly number[];
}

/** Grouped bars, one group per bin, one bar per series. */
function barChart(title: string, xLabel: string, edges: readonly string[], series: readonly Series[]): string {
  const bins = series[0].counts.length;
  const top = Math.max(1, ...series.flatMap((s) => s.counts));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const group = plotW / bins;
  const bar = (group * 0.8) / series.length;
  const parts: string[] = [];
  series.forEach((s, k) =>
    s.counts.forEach((count, i) => {
      const h = (count / top) * plotH;
      const x = PAD.left + i * group + group * 0.1 + k * bar;
      parts.push(`<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.colour}"><title>${escapeHtml(s.label)} ${escapeHtml(edges[i])}..${escapeHtml(edges[i + 1])}: ${count}</title></rect>`);
    }),
  );
  for (let i = 0; i <= bins; i += Math.max(1, Math.round(bins / 5))) {
    parts.push(`<text x="${(PAD.left + i * group).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${escapeHtml(edges[i])}</text>`);
  }
  parts.push(`<text x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end">${top}</text><text x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>`);
  return frame(title, xLabel, "records", parts, series);
}

/** Lines of value by step. */
function lineChart(title: string, curves: readonly Curve[]): string {
  const points = curves.flatMap((c) => c.points);
  const [x0, x1] = [Math.min(...points.map((p) => p.step)), Math.max(...points.map((p) => p.step))];
  const [y0, y1] = [Math.min(0, ...points.map((p) => p.value)), Math.max(...points.map((p) => p.value))];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const sx = (s: number) => PAD.left + ((s - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (v: number) => PAD.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const colours = [COLOURS.fineTuned, COLOURS.eval, COLOURS.baseline];
  const series = curves.map((c, i) => ({ label: c.key, colour: colours[i % colours.length], counts: [] }));
  const parts = curves.map((c, i) => {
    const d = c.points.map((p, j) => `${j === 0 ? "M" : "L"}${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`).join(" ");
    const dots = c.points.length <= 60 ? c.points.map((p) => `<circle cx="${sx(p.step).toFixed(1)}" cy="${sy(p.value).toFixed(1)}" r="2.5" fill="${series[i].colour}"><title>${escapeHtml(c.key)} step ${p.step}: ${fmt(p.value, 4)}</title></circle>`).join("") : "";
    return `<path d="${d}" fill="none" stroke="${series[i].colour}" stroke-width="2"/>${dots}`;
  });
  parts.push(
    `<text x="${PAD.left}" y="${H - PAD.bottom + 14}" text-anchor="middle">${x0}</text><text x="${PAD.left + plotW}" y="${H - PAD.bottom + 14}" text-anchor="middle">${x1}</text>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end">${fmt(y1)}</text><text x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">${fmt(y0)}</text>`,
  );
  return frame(title, "step", "loss", parts, series);
}

function frame(title: string, xLabel: string, yLabel: string, parts: readonly string[], series: readonly { label: string; colour: string }[]): string {
  const legend = series
    .map((s, i) => `<rect x="${PAD.left + 10 + i * 150}" y="${H - 14}" width="10" height="10" fill="${s.colour}"/><text x="${PAD.left + 24 + i * 150}" y="${H - 5}">${escapeHtml(s.label)}</text>`)
    .join("");
  const axes = `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#888"/><line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#888"/>`;
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(`${title}: ${yLabel} by ${xLabel}`)}" font-family="sans-serif" font-size="11">` +
    `<title>${escapeHtml(title)}</title>${axes}${parts.join("")}` +
    `<text x="${W - PAD.right}" y="${H - PAD.bottom + 28}" text-anchor="end">${escapeHtml(xLabel)}</text>${legend}</svg></figure>`
  );
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | null) => (x === null ? "–" : `${Math.round(x)} ms`);
const num = (x: number | null, digits = 1) => (x === null ? "–" : x.toFixed(digits));

function summaryRows(fineTuned: Summary, baseline?: Summary): string {
  const rows: [string, (s: Summary) => string][] = [
    ["ROUGE-L F1 (mean)", (s) => s.rougeL.toFixed(4)],
    ["BLEU-4 (corpus)", (s) => `${s.bleu.score.toFixed(2)} (${s.bleu.precisions.map((p) => p.toFixed(1)).join("/")}, BP ${s.bleu.bp.toFixed(3)})`],
    ["Failed or empty", (s) => `${percent(s.failedOrEmptyShare)} (${s.failed} failed, ${s.empty} empty of ${s.records})`],
    ["Latency p50 / p95 / max", (s) => `${ms(s.latencyMs.p50)} / ${ms(s.latencyMs.p95)} / ${ms(s.latencyMs.max)}`],
    ["Answer length (mean)", (s) => `${num(s.answerLength.meanWords)} words, ${num(s.answerLength.meanCharacters, 0)} characters`],
  ];
  const head = `<tr><th></th><th>fine-tuned</th>${baseline ? "<th>baseline</th>" : ""}</tr>`;
  return `<table>${head}${rows.map(([label, f]) => `<tr><th>${label}</th><td>${escapeHtml(f(fineTuned))}</td>${baseline ? `<td>${escapeHtml(f(baseline))}</td>` : ""}</tr>`).join("")}</table>`;
}

function recordBlock(r: ScoredRecord): string {
  const prompt = r.prompt.map((m) => `<p><b>${escapeHtml(m.role)}:</b> ${escapeHtml(m.content)}</p>`).join("");
  const answer = (label: string, a: ScoredRecord["fineTuned"]) =>
    `<p><b>${label} (ROUGE-L ${a.rougeL.toFixed(3)}):</b> ${a.answer === null ? `<i>failed: ${escapeHtml(a.error ?? "")}</i>` : escapeHtml(a.answer)}</p>`;
  return (
    `<details><summary>line ${r.line}: ROUGE-L ${r.fineTuned.rougeL.toFixed(3)}${r.baseline ? ` (baseline ${r.baseline.rougeL.toFixed(3)})` : ""}</summary>` +
    `${prompt}<p><b>reference:</b> ${escapeHtml(r.reference)}</p>${answer("fine-tuned", r.fineTuned)}${r.baseline ? answer("baseline", r.baseline) : ""}</details>`
  );
}

/** How many records each of "best" and "worst" shows. */
export const SHOWN_RECORDS = 5;

export function reportHtml(results: EvaluationResults): string {
  const { summary, records } = results;
  const edges = Array.from({ length: 11 }, (_, i) => (i / 10).toFixed(1));
  const rougeSeries: Series[] = [{ label: "fine-tuned", colour: COLOURS.fineTuned, counts: histogram(records.map((r) => r.fineTuned.rougeL), 10, 0, 1) }];
  if (summary.baseline) rougeSeries.push({ label: "baseline", colour: COLOURS.baseline, counts: histogram(records.map((r) => r.baseline!.rougeL), 10, 0, 1) });
  const latencies = (which: "fineTuned" | "baseline") => records.flatMap((r) => (r[which]?.latencyMs == null ? [] : [r[which]!.latencyMs!]));
  const maxLatency = Math.max(1, ...latencies("fineTuned"), ...(summary.baseline ? latencies("baseline") : []));
  const latencyEdges = Array.from({ length: 11 }, (_, i) => `${Math.round((i * maxLatency) / 10)}`);
  const latencySeries: Series[] = [{ label: "fine-tuned", colour: COLOURS.fineTuned, counts: histogram(latencies("fineTuned"), 10, 0, maxLatency) }];
  if (summary.baseline) latencySeries.push({ label: "baseline", colour: COLOURS.baseline, counts: histogram(latencies("baseline"), 10, 0, maxLatency) });

  const ranked = [...records].sort((a, b) => b.fineTuned.rougeL - a.fineTuned.rougeL || a.index - b.index);
  const curves = results.trainingCurves;
  const curvesSection =
    curves === null
      ? "<p>Not read: run with <code>--stack</code> to read the fine-tune job's logged losses from the workspace.</p>"
      : "error" in curves
        ? `<p>Not read: ${escapeHtml(curves.error)}</p>`
        : curves.curves.some((c) => c.points.length > 0)
          ? `${lineChart(`Loss by step (run ${curves.runName ?? curves.runId})`, curves.curves.filter((c) => c.points.length > 0))}`
          : "<p>The run logged no loss values.</p>";
  const closer = summary.closer
    ? `<p>Closer to the reference by ROUGE-L: fine-tuned ${summary.closer.fineTuned}, baseline ${summary.closer.baseline}, tie ${summary.closer.tie}.</p>`
    : "";

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phi3-foundry evaluation</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}figure{margin:1rem 0}figcaption{font-weight:bold}details{margin:.4rem 0;border:1px solid #ddd;padding:.3rem .6rem}summary{cursor:pointer}p{white-space:pre-wrap}code{background:#f3f3f3}</style>
</head><body>
<h1>Did fine-tuning help?</h1>
<p>${records.length} conversations of <code>${escapeHtml(results.data.path)}</code> (SHA-256 <code>${escapeHtml(results.data.sha256)}</code>) put to <code>${escapeHtml(results.endpoint.url)}</code>${results.endpoint.modelId ? ` (model <code>${escapeHtml(results.endpoint.modelId)}</code>)` : ""}${results.baseline ? ` and to the baseline <code>${escapeHtml(results.baseline.url)}</code>` : ""} on ${escapeHtml(results.createdAt)}.</p>
<h2>Summary</h2>
${summaryRows(summary.fineTuned, summary.baseline)}
${closer}
<h2>Scores</h2>
${barChart("ROUGE-L F1 per record", "ROUGE-L F1", edges, rougeSeries)}
<h2>Latency</h2>
${barChart("Latency of the answering request", "milliseconds", latencyEdges, latencySeries)}
<h2>Training</h2>
${curvesSection}
<h2>Where the fine-tuned model did best</h2>
${ranked.slice(0, SHOWN_RECORDS).map(recordBlock).join("\n")}
<h2>Where it did worst</h2>
${ranked.slice(Math.max(SHOWN_RECORDS, ranked.length - SHOWN_RECORDS)).reverse().map(recordBlock).join("\n") || "<p>No other records.</p>"}
<p>ROUGE-L F1 as rouge-score computes it by default; BLEU-4 as sacrebleu with its defaults (13a); latency percentiles by the ${escapeHtml(summary.fineTuned.latencyMs.method)} method. A failed answer scores 0. Every answer is in results.json.</p>
</body></html>
`;
}
