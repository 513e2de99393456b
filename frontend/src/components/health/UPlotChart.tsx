import { useEffect, useRef, useState } from 'react'
import type uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { ChartData } from '../../lib/health'

/** Line colours per model, readable on the light and the dark surface. */
const PALETTE = ['#2f7fe0', '#d9822b', '#1f9d57', '#c2417a', '#8a63d2', '#12a1a1', '#b8860b', '#d1453b']

export type ChartKind = 'latency' | 'uptime'

interface UPlotChartProps {
  data: ChartData
  kind: ChartKind
  /** What the chart shows, for screen readers (the numbers are in the table beside it). */
  label: string
  height?: number
}

function cssVar(el: Element, name: string, fallback: string): string {
  const v = getComputedStyle(el).getPropertyValue(name).trim()
  return v || fallback
}

function options(el: HTMLElement, data: ChartData, kind: ChartKind, width: number, height: number): uPlot.Options {
  const text = cssVar(el, '--text-muted', '#5a6676')
  // Half-transparent grey: a faint grid on the light and the dark surface alike.
  const grid = 'rgba(133, 145, 161, 0.3)'
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
  return {
    width,
    height,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: () => data.range },
      y: kind === 'uptime' ? { range: [0, 100] } : { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
    },
    axes: [
      axis,
      { ...axis, size: 56, values: (_u, ticks) => ticks.map((v) => (kind === 'uptime' ? `${v}%` : v >= 1000 ? `${v / 1000} s` : `${v} ms`)) },
    ],
    series: [
      {},
      ...data.models.map((model, i) => ({
        label: model,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: kind === 'latency',
        points: { show: true, size: 5 },
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : kind === 'uptime' ? `${v}%` : `${Math.round(v)} ms`),
      })),
    ],
  }
}

/**
 * A uPlot line chart of per-model series. uPlot is loaded when the first
 * chart mounts (it measures the screen at import, which only a real
 * browser can), and redrawn when the data or the width changes.
 */
export function UPlotChart({ data, kind, label, height = 180 }: UPlotChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const [failed, setFailed] = useState(false)
  // The axes are drawn in the theme's colours: a theme switch draws anew.
  const [theme, setTheme] = useState(0)
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return
    const mq = window.matchMedia('(prefers-color-scheme: dark)')
    const bump = () => setTheme((n) => n + 1)
    mq.addEventListener('change', bump)
    // A theme chosen in Settings is set as <html data-theme>.
    const mo = typeof MutationObserver !== 'undefined' ? new MutationObserver(bump) : null
    mo?.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })
    return () => {
      mq.removeEventListener('change', bump)
      mo?.disconnect()
    }
  }, [])

  useEffect(() => {
    const el = box.current
    if (!el) return
    let chart: uPlot | null = null
    let gone = false
    let ro: ResizeObserver | null = null
    import('uplot').then(
      ({ default: UPlot }) => {
        if (gone) return
        const width = Math.max(240, el.clientWidth)
        const cols = [data.x, ...data.y] as uPlot.AlignedData
        chart = new UPlot(options(el, data, kind, width, height), cols, el)
        if (typeof ResizeObserver !== 'undefined') {
          ro = new ResizeObserver(() => chart?.setSize({ width: Math.max(240, el.clientWidth), height }))
          ro.observe(el)
        }
      },
      () => {
        if (!gone) setFailed(true)
      },
    )
    return () => {
      gone = true
      ro?.disconnect()
      chart?.destroy()
    }
  }, [data, kind, height, theme])

  return (
    <div className="hchart" role="img" aria-label={label} data-testid={`chart-${kind}`}>
      <div ref={box} className="hchart__plot" aria-hidden="true" />
      {failed && <p className="muted">The chart could not be drawn.</p>}
    </div>
  )
}
