import { useId, useState, type FormEvent } from 'react'
import type { Preset, Provider, ProviderType, ProviderWrite } from '../../api/types'
import { PROVIDER_TYPES } from '../../api/types'
import { useProviderForm, type UseProviderForm } from '../../hooks/useProviderForm'
import {
  TYPE_LABEL,
  discoverSummary,
  emptyForm,
  formFromPreset,
  formFromProvider,
  hasModels,
  pickList,
  pickedModels,
  suggestedBaseUrl,
  type FormErrors,
  type ProviderFormAction,
  type ProviderFormValues,
} from '../../lib/providerForm'
import { Field } from '../Field'
import { Icon } from '../Icon'
import { Modal } from '../Modal'
import { Switch } from '../Switch'
import { ModelPicker } from './ModelPicker'
import { PairRowsEditor } from './PairRowsEditor'
import { ModelRowsEditor } from './ModelRowsEditor'
import { useRoutes } from '../../hooks/useRoutes'
import '../../styles/providers.css'
import { PresetPicker } from './PresetPicker'

type ProviderFormProps = {
  onClose: () => void
  onSaved: (p: Provider) => void
} & (
  | { mode: 'create'; presets: Preset[]; takenKeys: string[]; save: (body: ProviderWrite) => Promise<Provider> }
  | { mode: 'edit'; provider: Provider; save: (body: ProviderWrite) => Promise<Provider> }
)

const ADVANCED = ['connectTimeout', 'responseHeaderTimeout', 'streamIdleTimeout', 'healthInterval'] as const

/** "Add provider" (preset picker, then the form) and "Edit provider", in a dialog. */
export function ProviderForm(props: ProviderFormProps) {
  const editing = props.mode === 'edit'
  const [step, setStep] = useState<'pick' | 'form'>(editing ? 'form' : 'pick')
  const [preset, setPreset] = useState<Preset | null>(null)
  const pf = useProviderForm(
    () => (props.mode === 'edit' ? formFromProvider(props.provider) : emptyForm()),
    props.save,
    props.mode === 'edit' ? props.provider.id : undefined,
  )
  const { form, dispatch, saving, submit } = pf
  // Saving with no model routes nothing by alias: asked once per attempt.
  const [warnNoModels, setWarnNoModels] = useState(false)
  const formId = useId()
  // What this provider's patterns caught recently: only a saved provider has any.
  const routes = useRoutes({ enabled: editing })

  function pick(p: Preset | null) {
    if (props.mode !== 'create') return
    setPreset(p)
    dispatch({ type: 'reset', state: formFromPreset(p, props.takenKeys) })
    setStep('form')
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    await save(false)
  }

  async function save(confirmedNoModels: boolean) {
    if (saving) return
    if (!confirmedNoModels && !hasModels(form.values)) {
      setWarnNoModels(true)
      return
    }
    setWarnNoModels(false)
    const saved = await submit()
    if (saved) props.onSaved(saved)
  }

  if (step === 'pick') {
    return (
      <Modal
        title="Add provider"
        description="Start from a preset — its type and base URL are filled in — or set up any compatible API."
        onClose={props.onClose}
        footer={
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
        }
      >
        <PresetPicker presets={props.mode === 'create' ? props.presets : []} onPick={pick} />
      </Modal>
    )
  }

  const title = editing ? `Edit ${props.provider.name || props.provider.key}` : preset ? `Add ${preset.name}` : 'Add a custom provider'
  return (
    <Modal
      title={title}
      description={
        editing
          ? 'Changes apply to the next request; no restart needed.'
          : 'Requests for the aliases below will be routed to this API.'
      }
      onClose={props.onClose}
      busy={saving}
      footer={
        <>
          {!editing && (
            <button type="button" className="btn btn--ghost modal__back" onClick={() => setStep('pick')} disabled={saving}>
              ← Presets
            </button>
          )}
          <button type="button" className="btn" onClick={props.onClose} disabled={saving}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn--primary" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Add provider'}
          </button>
        </>
      }
    >
      <form id={formId} className="pform" onSubmit={onSubmit} noValidate aria-label={title}>
        {form.errors.form && (
          <p className="callout callout--error callout--inline" role="alert">
            <Icon name="alert" size={16} />
            <span>{form.errors.form}</span>
          </p>
        )}
        <ConnectionSection values={form.values} errors={form.errors} dispatch={dispatch} preset={preset} editing={editing} />
        <ProbeRow pf={pf} />
        <section className="pform__section" aria-labelledby={`${formId}-models`}>
          <h3 id={`${formId}-models`} className="pform__title">Models</h3>
          <p className="pform__lead">
            Clients send the alias as <code>model</code>; Sluicegate sends the upstream name. An alias
            ending in <code>*</code> is a pattern (<code>claude-*</code>; <code>*</code> alone catches any other model). Any
            model is also reachable as <code>{form.values.key || 'key'}/model-name</code>.
          </p>
          <ModelPicker
            names={pickList(preset?.models ?? [], pf.discovered)}
            source={pf.discovered ? 'from the upstream’s list' : 'typical for this preset'}
            picked={pickedModels(form.values)}
            onToggle={(name, on) => dispatch({ type: 'toggleModel', name, on })}
          />
          <ModelRowsEditor rows={form.values.models} errors={form.errors} dispatch={dispatch} routes={routes.data} />
        </section>
        <section className="pform__section" aria-labelledby={`${formId}-headers`}>
          <h3 id={`${formId}-headers`} className="pform__title">Custom headers</h3>
          <p className="pform__lead">Sent with every request to this provider; values are never logged.</p>
          <PairRowsEditor
            list="headers"
            rows={form.values.headers}
            errors={form.errors}
            dispatch={dispatch}
            labels={['Name', 'Value']}
            placeholders={['OpenAI-Organization', 'org-…']}
            noun="Header"
            addLabel="Add header"
          />
        </section>
        <AdvancedSection values={form.values} errors={form.errors} dispatch={dispatch} />
        {warnNoModels && (
          <div className="callout callout--error callout--inline provform__warn" role="alert">
            <Icon name="alert" size={16} />
            <span>
              No models are mapped: no alias will route to this provider, and health checks have nothing to
              check. Pick or add a model above, or{' '}
              <button type="button" className="linkish" onClick={() => void save(true)}>
                save without models
              </button>
              .
            </span>
          </div>
        )}
      </form>
    </Modal>
  )
}

interface SectionProps {
  values: ProviderFormValues
  errors: FormErrors
  dispatch: (a: ProviderFormAction) => void
}

function ConnectionSection({ values, errors, dispatch, preset, editing }: SectionProps & { preset: Preset | null; editing: boolean }) {
  const typeName = useId()
  return (
    <section className="pform__section pform__grid" aria-label="Connection">
      <Field
        label="Name"
        value={values.name}
        placeholder="OpenAI"
        error={errors.name}
        onChange={(value) => dispatch({ type: 'set', field: 'name', value })}
        data-autofocus
      />
      <Field
        label="Key"
        mono
        value={values.key}
        placeholder="openai"
        hint="Lowercase letters, digits, - and _."
        error={errors.key}
        onChange={(value) => dispatch({ type: 'set', field: 'key', value })}
      />
      <fieldset className={errors.type ? 'field field--error segmented-field' : 'field segmented-field'}>
        <legend className="field__label">Type</legend>
        <div className="segmented">
          {PROVIDER_TYPES.map((t: ProviderType) => (
            <label key={t} className="segmented__opt">
              <input
                type="radio"
                name={typeName}
                value={t}
                checked={values.type === t}
                onChange={() => dispatch({ type: 'setType', value: t })}
              />
              <span>{TYPE_LABEL[t]}</span>
            </label>
          ))}
        </div>
        {errors.type && <p className="field__error">{errors.type}</p>}
      </fieldset>
      <div className="field">
        <span className="field__label" aria-hidden="true">Status</span>
        <Switch
          checked={values.enabled}
          onChange={(value) => dispatch({ type: 'setEnabled', value })}
          label="Enabled"
          text={values.enabled ? 'Enabled — routes requests' : 'Disabled — routes nothing'}
        />
      </div>
      <div className="field">
        <span className="field__label" aria-hidden="true">Other dialect</span>
        <Switch
          checked={values.translate}
          onChange={(value) => dispatch({ type: 'setTranslate', value })}
          label="Translate"
          text={
            values.translate
              ? values.type === 'anthropic'
                ? 'Translates OpenAI Chat Completions requests'
                : 'Translates Anthropic Messages requests (Claude Code)'
              : 'Refuses requests of the other dialect (400)'
          }
        />
        {errors.translate && <p className="field__error">{errors.translate}</p>}
      </div>
      <Field
        className="pform__wide"
        label="Base URL"
        mono
        value={values.baseUrl}
        placeholder={values.type === 'anthropic' ? 'https://api.anthropic.com' : 'https://api.example.com/v1'}
        hint={
          values.type === 'anthropic'
            ? 'Requests go to BASE_URL/v1/messages.'
            : 'Including /v1 when the API has it: requests go to BASE_URL/chat/completions.'
        }
        error={errors.baseUrl}
        onChange={(value) => dispatch({ type: 'set', field: 'baseUrl', value })}
      />
      <BaseUrlSuggestion error={errors.baseUrl} dispatch={dispatch} />
      <ApiKeyField values={values} errors={errors} dispatch={dispatch} preset={preset} editing={editing} />
    </section>
  )
}

function ApiKeyField({ values, errors, dispatch, preset, editing }: SectionProps & { preset: Preset | null; editing: boolean }) {
  const stored = editing && values.storedKey !== ''
  let hint: React.ReactNode
  if (stored && values.removeKey) {
    hint = (
      <>
        The stored key will be removed when you save; clients’ own keys will pass through.{' '}
        <button type="button" className="linkish" onClick={() => dispatch({ type: 'keepKey' })}>
          Keep it
        </button>
      </>
    )
  } else if (stored) {
    hint = (
      <>
        Stored key <code>{values.storedKey}</code> — leave empty to keep.{' '}
        <button type="button" className="linkish linkish--danger" onClick={() => dispatch({ type: 'removeKey' })}>
          Remove key
        </button>
      </>
    )
  } else if (preset?.local) {
    hint = 'Usually not needed for a server on this computer. Without a key, clients’ own keys pass through.'
  } else {
    hint = `Stored on this computer and sent upstream instead of the client’s key${preset?.key_hint ? ` (looks like ${preset.key_hint})` : ''}. Never shown again.`
  }
  return (
    <Field
      className="pform__wide"
      label="API key"
      type="password"
      mono
      autoComplete="new-password"
      value={values.apiKey}
      placeholder={stored ? (values.removeKey ? 'Will be removed' : 'Leave empty to keep the stored key') : 'Optional'}
      hint={hint}
      error={errors.apiKey}
      onChange={(value) => dispatch({ type: 'set', field: 'apiKey', value })}
    />
  )
}

const ADVANCED_FIELDS: Array<{ field: (typeof ADVANCED)[number]; label: string; hint: string }> = [
  { field: 'connectTimeout', label: 'Connect timeout (s)', hint: '1–300. Default 10.' },
  { field: 'responseHeaderTimeout', label: 'Response header timeout (s)', hint: '1–3600. Default 600.' },
  { field: 'streamIdleTimeout', label: 'Stream idle timeout (s)', hint: '1–3600. Default 300.' },
  { field: 'healthInterval', label: 'Health check every (s)', hint: '0 = off, or 30–86400.' },
]

function AdvancedSection({ values, errors, dispatch }: SectionProps) {
  const hasError = ADVANCED.some((f) => errors[f])
  const [open, setOpen] = useState(false)
  return (
    <details
      className="pform__advanced"
      open={open || hasError}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        <Icon name="chevron" size={14} className="pform__chev" />
        Advanced
        <span className="muted"> — timeouts and health checks</span>
      </summary>
      <div className="pform__grid pform__grid--4">
        {ADVANCED_FIELDS.map(({ field, label, hint }) => (
          <Field
            key={field}
            label={label}
            inputMode="numeric"
            value={values[field]}
            hint={hint}
            error={errors[field]}
            onChange={(value) => dispatch({ type: 'set', field, value })}
          />
        ))}
      </div>
    </details>
  )
}

/** A one-click fix when the API refused an endpoint URL and named the base URL to use. */
function BaseUrlSuggestion({ error, dispatch }: { error: string | undefined; dispatch: SectionProps['dispatch'] }) {
  const suggestion = suggestedBaseUrl(error)
  if (!suggestion) return null
  return (
    <p className="pform__wide provform__result">
      <button type="button" className="btn btn--small" onClick={() => dispatch({ type: 'set', field: 'baseUrl', value: suggestion })}>
        Use {suggestion}
      </button>
    </p>
  )
}

/** "Test connection" and "Fetch models" (POST /providers/discover) with what they found. */
function ProbeRow({ pf }: { pf: UseProviderForm }) {
  const { probing, probe, discover, saving } = pf
  const summary = probe ? discoverSummary(probe.result) : null
  return (
    <section className="pform__section provform__probe" aria-label="Connection test">
      <button type="button" className="btn btn--small" onClick={() => void discover('test')} disabled={probing !== null || saving}>
        {probing === 'test' ? 'Testing…' : 'Test connection'}
      </button>
      <button type="button" className="btn btn--small" onClick={() => void discover('fetch')} disabled={probing !== null || saving}>
        {probing === 'fetch' ? 'Fetching…' : 'Fetch models'}
      </button>
      <p className={summary ? `provform__result provform__result--${summary.tone}` : 'provform__result'} role="status" data-testid="probe-result">
        {summary?.text ?? ''}
      </p>
    </section>
  )
}
