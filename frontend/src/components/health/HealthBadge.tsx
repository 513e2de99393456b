import { NOT_CHECKED, statusMeta, type StatusMeta } from '../../lib/health'

interface HealthBadgeProps {
  /** A provider or model status; null for a provider never checked. */
  status: string | null
  size?: 'normal' | 'small'
}

/** A status pill: healthy green, degraded amber, unhealthy red, the rest grey. */
export function HealthBadge({ status, size = 'normal' }: HealthBadgeProps) {
  const meta: StatusMeta = status === null ? NOT_CHECKED : statusMeta(status)
  return (
    <span className={`hbadge hbadge--${meta.tone}${size === 'small' ? ' hbadge--small' : ''}`} data-status={status ?? 'none'}>
      <span className="hbadge__dot" aria-hidden="true" />
      {meta.label}
    </span>
  )
}
