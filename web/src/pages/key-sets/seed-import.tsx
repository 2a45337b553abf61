// Key sets part: the admin imports a seed file read in the browser (JSON or CSV, as `sluice seed`
// reads it), adding and updating its keys or replacing the whole set.
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useKeySetWrite } from '../../api/key-sets-queries.ts';
import type { KeySetChange } from '../../api/types.ts';
import { ApiIssues } from './api-issues.tsx';
import { parseSeedFile, type SeedFile, type SeedFileError } from './seed-file.ts';

type Mode = 'upsert' | 'replace';

function FileError({ error }: { error: SeedFileError }) {
  const { t } = useTranslation();
  const text = (() => {
    switch (error.code) {
      case 'unknown_format':
      case 'not_an_array':
        return t(`keySets.import.error.${error.code}`);
      case 'invalid_json':
        return t('keySets.import.error.invalid_json', { detail: error.detail });
      case 'not_an_object':
        return t('keySets.import.error.not_an_object', { at: error.at });
      case 'invalid_csv':
        return t('keySets.import.error.invalid_csv', { line: error.line });
      case 'record_length':
        return t('keySets.import.error.record_length', error);
      case 'no_key_column':
        return t('keySets.import.error.no_key_column', { found: error.found || '—' });
      case 'repeated_column':
        return t('keySets.import.error.repeated_column', { column: error.column });
    }
  })();
  return (
    <p role="alert" className="notice notice-error" data-testid="seed-error">
      {text}
    </p>
  );
}

export function SeedImport({
  keySet,
  onImported,
}: {
  keySet: string;
  onImported: (change: KeySetChange) => void;
}) {
  const { t } = useTranslation();
  const write = useKeySetWrite(keySet);
  const titleId = useId();
  const [file, setFile] = useState<{ name: string; parsed: SeedFile } | undefined>();
  const [mode, setMode] = useState<Mode>('upsert');

  const choose = async (chosen: File | undefined) => {
    write.reset();
    setFile(
      chosen ? { name: chosen.name, parsed: parseSeedFile(chosen.name, await chosen.text()) } : undefined,
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file?.parsed.ok) return;
    write.mutate(
      { kind: mode, keys: file.parsed.keys },
      {
        onSuccess: (change) => {
          if ('inserted' in change) onImported(change);
        },
      },
    );
  };

  const parsed = file?.parsed;
  const locate = (index: number) => {
    if (!file || !parsed?.ok) return undefined;
    const at = parsed.locations[index];
    if (at === undefined) return undefined;
    const where = 'line' in at ? t('keySets.import.line', { line: at.line }) : t('keySets.import.entry', at);
    return t('keySets.import.where', { name: file.name, at: where });
  };

  return (
    <form className="card seed-import" aria-labelledby={titleId} onSubmit={submit}>
      <h2 id={titleId}>{t('keySets.import.title')}</h2>
      <p className="muted">{t('keySets.import.help')}</p>
      <label className="field">
        <span>{t('keySets.import.file')}</span>
        <input
          type="file"
          accept=".json,.csv,application/json,text/csv"
          onChange={(event) => void choose(event.target.files?.[0])}
        />
      </label>
      {parsed?.ok === false && <FileError error={parsed.error} />}
      {parsed?.ok && file && (
        <p role="status" data-testid="seed-read">
          {t('keySets.import.read', { name: file.name, count: parsed.keys.length })}
        </p>
      )}
      <fieldset>
        <legend>{t('keySets.import.mode')}</legend>
        {(['upsert', 'replace'] as const).map((each) => (
          <label key={each} className="choice">
            <input
              type="radio"
              name="seed-mode"
              value={each}
              checked={mode === each}
              onChange={() => setMode(each)}
            />{' '}
            {t(`keySets.import.${each}`)}
          </label>
        ))}
      </fieldset>
      {write.error && <ApiIssues error={write.error} locate={locate} />}
      <button type="submit" className="primary" disabled={!parsed?.ok || write.isPending}>
        {write.isPending ? t('keySets.import.importing') : t('keySets.import.submit')}
      </button>
    </form>
  );
}
