import type { LatencyPoint } from '../../api/types'
import { formatMs, sparkline } from '../../lib/health'

interface SparklineProps {
  series: LatencyPoint[]
  /** Accessible name, e.g. "Latency of gpt-4o". */
  label: string
  width?: number
  height?: number
}

/** A tiny latency line; failed probes are red dots. */
export function Sparkline({ series, label, width = 120, height = 28 }: SparklineProps) {
  const s = sparkline(series, width, height)
  const failed = s.points.filter((p) => !p.healthy).length
  const desc =
    series.length === 0
      ? `${label}: no checks`
      : `${label}: ${series.length} check${series.length === 1 ? '' : 's'}, up to ${formatMs(s.max)}${failed ? `, ${failed} failed` : ''}`
  return (
    <svg className="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={desc}>
      <title>{desc}</title>
      <line className="spark__base" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
      {s.points.length > 1 && <path className="spark__line" d={s.path} />}
      {s.points.map((p, i) =>
        !p.healthy || s.points.length === 1 || i === s.points.length - 1 ? (
          <circle key={i} className={p.healthy ? 'spark__dot' : 'spark__dot spark__dot--bad'} cx={p.x} cy={p.y} r={p.healthy ? 2 : 2.5} />
        ) : null,
      )}
    </svg>
  )
}
