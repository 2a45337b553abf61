// One key set: its keys with their attributes, and for admins adding, editing and removing keys and
// importing a seed file; each write's answer (or refusal) is said on the page.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useIsAdmin } from '../../api/admin.ts';
import { ApiError } from '../../api/client.ts';
import { useKeySet, useKeySets, useKeySetWrite } from '../../api/key-sets-queries.ts';
import type { KeyRemovedResponse, KeySetChange, StoredKey } from '../../api/types.ts';

type Notice = KeySetChange | KeyRemovedResponse;

import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';
import { ApiIssues } from './api-issues.tsx';
import { KeyForm } from './key-form.tsx';
import { SeedImport } from './seed-import.tsx';

type Editing = { kind: 'none' } | { kind: 'add' } | { kind: 'edit'; key: StoredKey };

function RemoveKey({
  keySet,
  entry,
  onRemoved,
}: {
  keySet: string;
  entry: StoredKey;
  onRemoved: (answer: KeyRemovedResponse) => void;
}) {
  const { t } = useTranslation();
  const write = useKeySetWrite(keySet);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        aria-label={t('keySets.removeLabel', { key: entry.key })}
        onClick={() => setConfirming(true)}
      >
        {t('keySets.remove')}
      </button>
    );
  }
  return (
    <>
      <button
        type="button"
        className="danger"
        aria-label={t('keySets.confirmRemoveLabel', { key: entry.key })}
        disabled={write.isPending}
        onClick={() =>
          write.mutate(
            { kind: 'remove', key: entry.key },
            {
              onSuccess: (answer) => {
                if (!('inserted' in answer)) onRemoved(answer);
              },
            },
          )
        }
      >
        {t('keySets.confirmRemove')}
      </button>{' '}
      <button type="button" onClick={() => setConfirming(false)}>
        {t('keySets.cancel')}
      </button>
      {write.error && <ApiIssues error={write.error} />}
    </>
  );
}

function KeysTable(props: {
  keySet: string;
  keys: StoredKey[];
  onEdit: (key: StoredKey) => void;
  onRemoved: (answer: KeyRemovedResponse) => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const isAdmin = useIsAdmin();
  // One column per attribute any key has: sites with primary and backup beacon ids read as a grid.
  const columns = [...new Set(props.keys.flatMap((entry) => Object.keys(entry.attributes)))].sort();
  return (
    <div className="table-wrap">
      <table data-testid="keys">
        <caption className="visually-hidden">{t('keySets.keysCaption', { name: props.keySet })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('keySets.key')}</th>
            {columns.map((column) => (
              <th scope="col" key={column} className="mono">
                {column}
              </th>
            ))}
            <th scope="col">{t('keySets.updatedAt')}</th>
            {isAdmin && (
              <th scope="col" className="key-actions">
                {t('keySets.actions')}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.keys.map((entry) => (
            <tr key={entry.key}>
              <th scope="row" className="mono">
                {entry.key}
              </th>
              {columns.map((column) => (
                <td key={column}>{entry.attributes[column] ?? t('common.none')}</td>
              ))}
              <td>{format.dateTime(entry.updatedAt)}</td>
              {isAdmin && (
                <td className="key-actions">
                  <button
                    type="button"
                    aria-label={t('keySets.editLabel', { key: entry.key })}
                    onClick={() => props.onEdit(entry)}
                  >
                    {t('keySets.edit')}
                  </button>{' '}
                  <RemoveKey keySet={props.keySet} entry={entry} onRemoved={props.onRemoved} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChangeNotice({ change }: { change: Notice | undefined }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (!change) return null;
  return (
    <p className="notice" role="status" data-testid="key-set-notice">
      {'inserted' in change
        ? t('keySets.saved', {
            inserted: format.number(change.inserted),
            updated: format.number(change.updated),
            unchanged: format.number(change.unchanged),
            removed: format.number(change.removed),
          })
        : t('keySets.removed', { key: change.removed })}
    </p>
  );
}

export function KeySetPage({ name }: { name: string }) {
  const { t } = useTranslation();
  const isAdmin = useIsAdmin();
  const keys = useKeySet(name);
  const summary = useKeySets().data?.keySets.find((keySet) => keySet.name === name);
  const [editing, setEditing] = useState<Editing>({ kind: 'none' });
  const [change, setChange] = useState<Notice | undefined>();
  const saved = (next: KeySetChange) => {
    setChange(next);
    setEditing({ kind: 'none' });
  };
  return (
    <>
      <p>
        <Link href="/key-sets">← {t('keySets.back')}</Link>
      </p>
      <div className="title-row">
        <h1>{t('keySets.setTitle', { name })}</h1>
        {isAdmin && editing.kind === 'none' && keys.data && (
          <button type="button" className="primary" onClick={() => setEditing({ kind: 'add' })}>
            {t('keySets.add')}
          </button>
        )}
      </div>
      {summary?.description && <p className="muted">{summary.description}</p>}
      <ChangeNotice change={change} />
      {editing.kind !== 'none' && (
        <KeyForm
          key={editing.kind === 'edit' ? editing.key.key : '+'}
          keySet={name}
          editing={editing.kind === 'edit' ? editing.key : undefined}
          onSaved={saved}
          onCancel={() => setEditing({ kind: 'none' })}
        />
      )}
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">
          {keys.data ? t('keySets.count', { count: keys.data.keys.length }) : t('keySets.keys')}
        </h2>
        {keys.isPending ? (
          <Loading />
        ) : keys.data ? (
          keys.data.keys.length === 0 ? (
            <Empty>{t('keySets.keysEmpty')}</Empty>
          ) : (
            <KeysTable
              keySet={name}
              keys={keys.data.keys}
              onEdit={(key) => {
                setChange(undefined);
                setEditing({ kind: 'edit', key });
              }}
              onRemoved={setChange}
            />
          )
        ) : keys.error instanceof ApiError && keys.error.problem.status === 404 ? (
          <Empty>{t('keySets.notFound')}</Empty>
        ) : (
          <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />
        )}
      </section>
      {isAdmin && keys.data && <SeedImport keySet={name} onImported={setChange} />}
    </>
  );
}
