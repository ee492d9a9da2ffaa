import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only the parts the console draws, so the bundle stays small.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const charts = new Set<echarts.ECharts>();
addEventListener('resize', () => charts.forEach((c) => c.resize()));

function chart(el: HTMLElement): echarts.ECharts {
  const c = echarts.init(el, undefined, { renderer: 'canvas' });
  charts.add(c);
  return c;
}

/** Daily kWh as bars; estimated or missing days in a lighter colour. */
export function dailyChart(el: HTMLElement, days: { day: string; kwh: number; estimated: number; missing: number }[]): void {
  chart(el).setOption({
    animation: false,
    grid: { left: 56, right: 16, top: 16, bottom: 32 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: days.map((d) => ({ value: Math.round(d.kwh), itemStyle: { color: d.estimated || d.missing ? '#9bb7d4' : '#1f5fa8' } })) }],
  });
}

/** The customer's average day against its peer group's median day (24 hourly shares, in %). */
export function profileChart(el: HTMLElement, customer: number[], peer: number[] | null, names: { customer: string; peer: string }): void {
  const pct = (xs: number[]) => xs.map((v) => Math.round(v * 1000) / 10);
  chart(el).setOption({
    animation: false,
    grid: { left: 48, right: 16, top: 32, bottom: 32 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${String(v)}%` },
    legend: { top: 0 },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => `${h}:00`) },
    yAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
    series: [
      { name: names.customer, type: 'line', data: pct(customer), color: '#1f5fa8' },
      ...(peer ? [{ name: names.peer, type: 'line', data: pct(peer), color: '#d97706', lineStyle: { type: 'dashed' } }] : []),
    ],
  });
}
