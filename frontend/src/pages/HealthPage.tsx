import { ComingSoon } from '../components/ComingSoon'
import { PageHeader } from '../components/PageHeader'

export function HealthPage() {
  return (
    <>
      <PageHeader title="Health" lead="Whether each provider’s models answer, and how fast." />
      <ComingSoon icon="health" title="Health checks">
        <p>
          Here you will run a minimal real call against every mapped model on demand or on a
          schedule, and see uptime and p50/p95 latency over time.
        </p>
      </ComingSoon>
    </>
  )
}
