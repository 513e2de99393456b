import { ComingSoon } from '../components/ComingSoon'
import { PageHeader } from '../components/PageHeader'

export function LogsPage() {
  return (
    <>
      <PageHeader title="Live logs" lead="Every request through the proxy, as it happens." />
      <ComingSoon icon="logs" title="Request log">
        <p>
          Here you will watch requests stream in live, filter them to errors, and open one to see
          its status, latency, token usage and captured headers and bodies (secrets redacted).
        </p>
      </ComingSoon>
    </>
  )
}
