// Bar charts for the billing page, drawn with Chart.js. The library is loaded on first use (its own chunk), so the
// console's first load does not carry it. Every chart comes with its numbers as a table (for screen readers, keyboard
// users and anyone who wants the figures), and the canvas is labelled with a one-line summary.

import type { Chart } from 'chart.js';
import { h } from './dom';

export interface Series {
  label: string;
  values: number[];
}

export interface ChartSpec {
  /** The chart's title (its figcaption); also names it for the tests (data-chart). */
  title: string;
  id: string;
  /** One label per bar position: days, or resources. */
  labels: string[];
  series: Series[];
  stacked?: boolean;
  horizontal?: boolean;
  /** How a value reads, e.g. "1.25 CNY". */
  format: (value: number) => string;
  summary: string;
  empty: string;
}

// Okabe–Ito: distinguishable with the common colour-vision deficiencies
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

let library: Promise<typeof Chart> | null = null;

function load(): Promise<typeof Chart> {
  library ??= import('chart.js').then((m) => {
    m.Chart.register(m.BarController, m.BarElement, m.CategoryScale, m.LinearScale, m.Legend, m.Tooltip);
    return m.Chart;
  });
  return library;
}

/**
 * A figure with a bar chart of `spec` and the same numbers in a table. Returns the figure at once (the chart draws
 * when the library has loaded) and a function that frees the chart.
 */
export function barChart(spec: ChartSpec): { figure: HTMLElement; destroy: () => void } {
  const points = spec.series.reduce((n, s) => n + s.values.filter((v) => v !== 0).length, 0);
  const figure = h('figure', { class: 'chart', 'data-chart': spec.id, 'data-points': points, 'aria-labelledby': `${spec.id}-caption` },
    h('figcaption', { id: `${spec.id}-caption` }, spec.title));
  let chart: Chart | null = null;
  let gone = false;
  if (points === 0) {
    figure.appendChild(h('p', { class: 'muted empty-chart' }, spec.empty));
    return { figure, destroy: () => {} };
  }
  const canvas = h('canvas', { role: 'img', 'aria-label': `${spec.title}: ${spec.summary}` });
  const box = h('div', { class: spec.horizontal ? 'chart-box tall' : 'chart-box' }, canvas);
  figure.append(box, table(spec));
  load().then((ChartJs) => {
    if (gone) return;
    chart = new ChartJs(canvas, {
      type: 'bar',
      data: {
        labels: spec.labels,
        datasets: spec.series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 0 })),
      },
      options: {
        indexAxis: spec.horizontal ? 'y' : 'x',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: spec.stacked, beginAtZero: true },
          y: { stacked: spec.stacked, beginAtZero: true },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${spec.format(Number(c.raw))}` } },
        },
      },
    });
    figure.setAttribute('data-drawn', 'true');
  }).catch((e: unknown) => {
    box.replaceChildren(h('p', { class: 'error' }, `The chart could not be drawn (${e instanceof Error ? e.message : e}); the numbers are in the table below.`));
  });
  return {
    figure,
    destroy: () => {
      gone = true;
      chart?.destroy();
    },
  };
}

function table(spec: ChartSpec): HTMLElement {
  const rows = spec.labels.map((label, i) => ({ label, values: spec.series.map((s) => s.values[i] ?? 0) }))
    .filter((r) => r.values.some((v) => v !== 0));
  return h('details', { class: 'chart-data' },
    h('summary', {}, 'The numbers as a table'),
    h('table', { class: 'grid', 'aria-label': spec.title },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, spec.horizontal ? 'Resource' : 'Day'), spec.series.map((s) => h('th', { scope: 'col' }, s.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.label), r.values.map((v) => h('td', { class: 'num' }, v === 0 ? '—' : spec.format(v))))))));
}
