import type { Preset } from '../../api/types'
import { TYPE_LABEL } from '../../lib/providerForm'
import { Icon } from '../Icon'

interface PresetPickerProps {
  presets: Preset[]
  /** null = "Custom". */
  onPick: (preset: Preset | null) => void
}

function host(url: string): string {
  try {
    const u = new URL(url)
    return u.host + (u.pathname === '/' ? '' : u.pathname)
  } catch {
    return url
  }
}

/** Step one of "Add provider": a card per preset, plus "Custom". */
export function PresetPicker({ presets, onPick }: PresetPickerProps) {
  const cloud = presets.filter((p) => !p.local)
  const local = presets.filter((p) => p.local)
  return (
    <div className="presets">
      {cloud.length > 0 && <PresetGroup title="Hosted APIs" presets={cloud} onPick={onPick} />}
      {local.length > 0 && <PresetGroup title="On this computer" presets={local} onPick={onPick} />}
      <section aria-label="Other">
        <h3 className="presets__group">Other</h3>
        <ul className="presets__grid">
          <li>
            <button type="button" className="preset" onClick={() => onPick(null)} data-autofocus={presets.length === 0 || undefined}>
              <span className="preset__icon" aria-hidden="true">
                <Icon name="sliders" size={16} />
              </span>
              <span className="preset__name">Custom</span>
              <span className="preset__url">Any OpenAI- or Anthropic-compatible API</span>
            </button>
          </li>
        </ul>
      </section>
    </div>
  )
}

function PresetGroup({ title, presets, onPick }: { title: string; presets: Preset[]; onPick: PresetPickerProps['onPick'] }) {
  return (
    <section aria-label={title}>
      <h3 className="presets__group">{title}</h3>
      <ul className="presets__grid">
        {presets.map((p) => (
          <li key={p.id}>
            <button
              type="button"
              className="preset"
              onClick={() => onPick(p)}
              aria-label={`${p.name}, ${TYPE_LABEL[p.type]}, ${host(p.base_url)}`}
            >
              <span className="preset__icon" aria-hidden="true">
                <Icon name={p.local ? 'laptop' : 'cloud'} size={16} />
              </span>
              <span className="preset__name">
                {p.name}
                {p.type === 'anthropic' && <span className="tag tag--anthropic">Anthropic</span>}
              </span>
              <span className="preset__url">{host(p.base_url)}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
