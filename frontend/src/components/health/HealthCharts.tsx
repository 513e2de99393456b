import { useMemo, useState } from 'react'
import type { HealthSummary } from '../../api/types'
import { useHealthSummary, useNow } from '../../hooks/useHealth'
import { CHART_WINDOWS, latencyChartData, uptimeChartData, type ChartWindow } from '../../lib/health'
import { HealthSummaryTable } from './HealthSummaryTable'
import { UPlotChart } from './UPlotChart'

const WINDOW_LABEL: Record<ChartWindow, string> = { '24h': '24 hours', '7d': '7 days' }

/** The selected provider's uptime and latency over 24 h or 7 days: a table and two uPlot charts. */
export function HealthCharts({ providerId, label }: { providerId: number; label: string }) {
  const [window, setWindow] = useState<ChartWindow>('24h')
  const summary = useHealthSummary(providerId, window)
  return (
    <section className="card hcard" aria-labelledby="health-trends">
      <div className="hcard__head">
        <div className="hcard__titles">
          <h2 id="health-trends" className="card__title">
            Uptime and latency · {label}
          </h2>
          <p className="card__lead">Per model over the last {WINDOW_LABEL[window]}; timed-out and cancelled probes are left out of latency.</p>
        </div>
        <div className="hwin" role="group" aria-label="Time window">
          {CHART_WINDOWS.map((w) => (
            <button key={w} type="button" className="btn btn--small hwin__btn" aria-pressed={w === window} onClick={() => setWindow(w)}>
              {WINDOW_LABEL[w]}
            </button>
          ))}
        </div>
      </div>
      {summary.kind === 'loading' && (
        <p className="muted hhist__empty" aria-busy="true">
          Loading…
        </p>
      )}
      {summary.kind === 'error' && (
        <p className="error-text hhist__empty" role="alert">
          The summary could not be loaded: {summary.error.message}
        </p>
      )}
      {summary.kind === 'ready' && <Trends summary={summary.value} window={window} />}
    </section>
  )
}

function Trends({ summary, window }: { summary: HealthSummary; window: ChartWindow }) {
  const now = useNow(60_000)
  const latency = useMemo(() => latencyChartData(summary, window, now), [summary, window, now])
  const uptime = useMemo(() => uptimeChartData(summary, window, now), [summary, window, now])
  if (summary.models.length === 0) {
    return <p className="muted hhist__empty">No checks in the last {WINDOW_LABEL[window]}.</p>
  }
  return (
    <div className="htrends">
      <HealthSummaryTable summary={summary} />
      <div className="htrends__charts">
        <figure className="hfig">
          <figcaption className="hfig__title">Latency</figcaption>
          <UPlotChart data={latency} kind="latency" label={`Latency of each model's checks over the last ${WINDOW_LABEL[window]}`} />
        </figure>
        <figure className="hfig">
          <figcaption className="hfig__title">Uptime ({window === '24h' ? 'per hour' : 'per 6 hours'})</figcaption>
          <UPlotChart data={uptime} kind="uptime" label={`Share of healthy checks per model over the last ${WINDOW_LABEL[window]}`} />
        </figure>
      </div>
    </div>
  )
}
