import type { ProxyEnv } from '../../api/types'
import { NO_PROXY_FIX } from '../../lib/snippets'
import { CodeBlock } from '../CodeBlock'
import { Icon } from '../Icon'

/** Names the proxy variables that are set, e.g. "HTTPS_PROXY and ALL_PROXY". */
export function proxyVarNames(env: ProxyEnv): string {
  const names = [
    env.http_proxy && 'HTTP_PROXY',
    env.https_proxy && 'HTTPS_PROXY',
    env.all_proxy && 'ALL_PROXY',
  ].filter((n): n is string => Boolean(n))
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '')
}

/** Warns when a proxy variable would send SDK calls for 127.0.0.1 to that proxy. */
export function ProxyEnvWarning({ env }: { env: ProxyEnv }) {
  if (!env.loopback_proxied) return null
  return (
    <section className="card callout callout--warn connect-proxy" role="alert" aria-labelledby="connect-proxy-title">
      <Icon name="alert" size={20} />
      <div className="connect-proxy__body">
        <h2 id="connect-proxy-title" className="callout__title">
          A proxy may capture requests to Sluicegate
        </h2>
        <p>
          Sluicegate’s environment sets {proxyVarNames(env)} without a <code>NO_PROXY</code> that
          covers <code>127.0.0.1</code> and <code>localhost</code>. SDKs started from the same
          environment send their requests to that proxy, and they never arrive here. Exempt this
          machine in the shell (or profile) your clients run from:
        </p>
        <CodeBlock code={NO_PROXY_FIX} language="Shell" copyLabel="Copy the NO_PROXY fix" />
      </div>
    </section>
  )
}
