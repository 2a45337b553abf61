// Key sets part: the admin's form to add a key or edit one's attributes, sent with upsertKeys; the
// API's refusal is shown as it names each field.
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useKeySetWrite } from '../../api/key-sets-queries.ts';
import type { KeySetChange } from '../../api/types.ts';
import { ApiIssues } from './api-issues.tsx';

interface AttributeRow {
  id: number;
  name: string;
  value: string;
}

let nextRow = 0;
const row = (name = '', value = ''): AttributeRow => ({ id: nextRow++, name, value });

export function KeyForm(props: {
  keySet: string;
  /** The key being edited; a new key when undefined. */
  editing?: { key: string; attributes: Record<string, string> };
  onSaved: (change: KeySetChange) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const write = useKeySetWrite(props.keySet);
  const titleId = useId();
  const [key, setKey] = useState(props.editing?.key ?? '');
  const [rows, setRows] = useState<AttributeRow[]>(() => {
    const entries = Object.entries(props.editing?.attributes ?? {});
    return entries.length > 0 ? entries.map(([name, value]) => row(name, value)) : [row()];
  });

  const update = (id: number, change: Partial<AttributeRow>) =>
    setRows((current) => current.map((each) => (each.id === id ? { ...each, ...change } : each)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Rows left blank are dropped; a half-filled one goes to the API, which says what is wrong with it.
    const attributes = Object.fromEntries(
      rows.filter((each) => each.name !== '' || each.value !== '').map((each) => [each.name, each.value]),
    );
    write.mutate(
      { kind: 'upsert', keys: [{ key, attributes }] },
      {
        onSuccess: (change) => {
          if ('inserted' in change) props.onSaved(change);
        },
      },
    );
  };

  return (
    <form className="card key-form" aria-labelledby={titleId} onSubmit={submit}>
      <h2 id={titleId}>
        {props.editing ? t('keySets.form.editTitle', { key: props.editing.key }) : t('keySets.form.addTitle')}
      </h2>
      <label className="field">
        <span>{t('keySets.form.key')}</span>
        <input
          value={key}
          onChange={(event) => setKey(event.target.value)}
          readOnly={props.editing !== undefined}
          required
          autoComplete="off"
        />
      </label>
      <fieldset>
        <legend>{t('keySets.form.attributes')}</legend>
        {rows.map((each, index) => (
          <div className="attribute-row" key={each.id}>
            <input
              aria-label={t('keySets.form.attributeNameOf', { index: index + 1 })}
              placeholder={t('keySets.form.attributeName')}
              value={each.name}
              onChange={(event) => update(each.id, { name: event.target.value })}
              autoComplete="off"
            />
            <input
              aria-label={t('keySets.form.attributeValueOf', { index: index + 1 })}
              placeholder={t('keySets.form.attributeValue')}
              value={each.value}
              onChange={(event) => update(each.id, { value: event.target.value })}
              autoComplete="off"
            />
            <button
              type="button"
              aria-label={t('keySets.form.removeAttribute', { index: index + 1 })}
              onClick={() => setRows((current) => current.filter((other) => other.id !== each.id))}
            >
              ×
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setRows((current) => [...current, row()])}>
          {t('keySets.form.addAttribute')}
        </button>
      </fieldset>
      {write.error && <ApiIssues error={write.error} />}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={write.isPending}>
          {write.isPending ? t('keySets.form.saving') : t('keySets.form.save')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t('keySets.cancel')}
        </button>
      </div>
    </form>
  );
}
