import { useId } from 'react'
import { parseStatusFilter, type LogFilters } from '../../lib/logFilters'
import { Switch } from '../Switch'

interface LogFiltersBarProps {
  filters: LogFilters
  onChange: (f: LogFilters) => void
  /** The provider keys and models to pick from (those loaded, plus the selected one). */
  providers: string[]
  models: string[]
}

/** The filters above the request log: errors only, provider, model, status and text. */
export function LogFiltersBar({ filters, onChange, providers, models }: LogFiltersBarProps) {
  const id = useId()
  const set = (over: Partial<LogFilters>) => onChange({ ...filters, ...over })
  const statusInvalid = parseStatusFilter(filters.status).kind === 'invalid'
  return (
    <div className="lfilters" role="search" aria-label="Filter requests">
      <Switch checked={filters.errorsOnly} onChange={(v) => set({ errorsOnly: v })} label="Errors only" text="Errors only" />
      <label className="lfilters__item">
        <span className="lfilters__label">Provider</span>
        <select className="input lfilters__select" value={filters.provider} onChange={(e) => set({ provider: e.target.value })}>
          <option value="">All</option>
          {providers.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="lfilters__item">
        <span className="lfilters__label">Model</span>
        <select className="input lfilters__select" value={filters.model} onChange={(e) => set({ model: e.target.value })}>
          <option value="">All</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <div className="lfilters__item">
        <label className="lfilters__label" htmlFor={`${id}-status`}>
          Status
        </label>
        <input
          id={`${id}-status`}
          className="input lfilters__status"
          value={filters.status}
          placeholder="4xx, 429"
          aria-invalid={statusInvalid || undefined}
          aria-describedby={statusInvalid ? `${id}-status-err` : undefined}
          onChange={(e) => set({ status: e.target.value })}
        />
        {statusInvalid && (
          <span id={`${id}-status-err`} className="lfilters__error">
            A code (429) or a class (2xx, 4xx, 5xx)
          </span>
        )}
      </div>
      <label className="lfilters__item lfilters__item--grow">
        <span className="lfilters__label">Search</span>
        <input
          type="search"
          className="input lfilters__text"
          value={filters.text}
          placeholder="Path, model or error"
          onChange={(e) => set({ text: e.target.value })}
        />
      </label>
    </div>
  )
}
