// Logic of the desktop-only screens (port conflict, Desktop settings),
// kept out of the components so it can be tested alone.

/** Splits HOST:PORT (IPv6 hosts in brackets); null when it is not one. */
export function splitAddr(addr: string): { host: string; port: string } | null {
  const m = /^(\[[^\]]+\]|[^:[\]]*):(\d+)$/.exec(addr.trim())
  if (!m) return null
  return { host: m[1] ?? '', port: m[2] ?? '' }
}

/** Replaces the port of addr, keeping its host. */
export function withPort(addr: string, port: number): string {
  const parts = splitAddr(addr)
  return `${parts ? parts.host : '127.0.0.1'}:${port}`
}

/** Checks a port typed by the user; returns the number or an error message. */
export function parsePort(text: string): { port: number } | { error: string } {
  const t = text.trim()
  if (!/^\d+$/.test(t)) return { error: 'Enter a port number from 1024 to 65535.' }
  const port = Number(t)
  if (port < 1024 || port > 65535) return { error: 'Enter a port number from 1024 to 65535 (lower ones need root).' }
  return { port }
}

/** Checks the address typed in the Desktop settings; "" means the default. */
export function validateDesktopAddr(text: string): string | null {
  const t = text.trim()
  if (t === '') return null
  const parts = splitAddr(t)
  if (!parts) return 'Use HOST:PORT, for example 127.0.0.1:8750.'
  const host = parts.host.replace(/^\[|\]$/g, '')
  if (host !== 'localhost' && host !== '::1' && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    return 'The desktop app listens on this machine only: use 127.0.0.1, ::1 or localhost. (To listen beyond it, start it with --addr and --admin-token.)'
  }
  const port = Number(parts.port)
  if (port < 1 || port > 65535) return 'The port must be a number from 1 to 65535.'
  return null
}

/** The conflict screen's explanation of who holds the address. */
export function holderText(state: DesktopStartupState): string {
  if (state.holder === 'sluicegate') {
    const v = state.holder_version ? ` (version ${state.holder_version})` : ''
    return `Another Sluicegate${v} is already running on ${state.addr}. It may be a copy started from a terminal (sluicegate serve) or by another user.`
  }
  return `Another program is using ${state.addr}. Sluicegate cannot listen there until it stops.`
}

/** What the override note says when --addr or SLUICEGATE_ADDR chose the address. */
export const overrideNote =
  'The address comes from --addr or SLUICEGATE_ADDR, which take precedence over this setting.'
