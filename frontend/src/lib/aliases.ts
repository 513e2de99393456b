// The model aliases a client can call, from the providers list (GET
// /v1/models is not an admin route) and each provider's last health check.

import type { CheckResult, ModelCheckResult, Provider } from '../api/types'
import type { Dialect } from '../api/types'
import { isPattern } from './routing'

/** A model's health as the Connect page shows it: its status in its provider's last check
 * (the dashboard's one status vocabulary, see statusMeta), or 'unchecked'. */
export type AliasHealth = ModelHealthStatus | 'unchecked'

type ModelHealthStatus = ModelCheckResult['status']

export interface RoutableAlias {
  alias: string
  upstream: string
  providerId: number
  providerKey: string
  providerName: string
  dialect: Dialect
  /** The provider has an API key stored (clients may send any key). */
  providerHasKey: boolean
  health: AliasHealth
}

/**
 * Every alias of an enabled provider, sorted by alias then provider key;
 * patterns are left out (a snippet needs a model name a client can send).
 * An alias served by several providers (a route group) appears once per
 * provider. lastChecks maps a provider id to its newest check, if any.
 */
export function routableAliases(providers: Provider[], lastChecks: ReadonlyMap<number, CheckResult | undefined>): RoutableAlias[] {
  const out: RoutableAlias[] = []
  for (const p of providers) {
    if (!p.enabled) continue
    const check = lastChecks.get(p.id)
    for (const m of p.models) {
      // A pattern (claude-*) is not a name a client can send.
      if (isPattern(m.alias)) continue
      const result = check?.models.find((r) => r.model === m.alias)
      out.push({
        alias: m.alias,
        upstream: m.upstream,
        providerId: p.id,
        providerKey: p.key,
        providerName: p.name || p.key,
        dialect: p.type,
        providerHasKey: (p.api_key ?? '') !== '',
        health: result ? result.status : 'unchecked',
      })
    }
  }
  return out.sort((a, b) => a.alias.localeCompare(b.alias) || a.providerKey.localeCompare(b.providerKey))
}

/** The aliases once each (the picker's options), the first provider's entry kept. */
export function uniqueAliases(aliases: RoutableAlias[]): RoutableAlias[] {
  const seen = new Set<string>()
  return aliases.filter((a) => (seen.has(a.alias) ? false : (seen.add(a.alias), true)))
}

/**
 * The alias the snippets start with: the remembered choice when it still
 * exists, else the first healthy one, else the first.
 */
export function defaultAlias(aliases: RoutableAlias[], remembered: string | null): RoutableAlias | undefined {
  return aliases.find((a) => a.alias === remembered) ?? aliases.find((a) => a.health === 'healthy') ?? aliases[0]
}
