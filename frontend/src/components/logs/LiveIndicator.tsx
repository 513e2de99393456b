import type { LiveStatus } from '../../api/live'
import { liveStatusLabel } from '../../lib/logFormat'

/** A dot and a word: whether the live stream is connected. */
export function LiveIndicator({ status }: { status: LiveStatus }) {
  const tone = status.kind === 'open' ? 'ok' : status.kind === 'retrying' ? 'danger' : 'pending'
  return (
    <span className={`live-ind live-ind--${tone}`} role="status" data-testid="live-status" data-state={status.kind}>
      <span className="live-ind__dot" aria-hidden="true" />
      {liveStatusLabel(status)}
    </span>
  )
}
