// Key sets: every declared set with its key count, seed file and last change, and stored sets no longer declared.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useKeySets } from '../../api/key-sets-queries.ts';
import { QueryView } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';

export function KeySetsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const keySets = useKeySets();
  return (
    <>
      <h1>{t('keySets.title')}</h1>
      <p className="muted">{t('keySets.intro')}</p>
      <section className="card">
        <QueryView query={keySets} isEmpty={(data) => data.keySets.length === 0} empty={t('keySets.empty')}>
          {(data) => (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">{t('keySets.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('keySets.name')}</th>
                    <th scope="col">{t('keySets.description')}</th>
                    <th scope="col">{t('keySets.seed')}</th>
                    <th scope="col" className="num">
                      {t('keySets.keys')}
                    </th>
                    <th scope="col">{t('keySets.updatedAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.keySets.map((keySet) => (
                    <tr key={keySet.name}>
                      <td>
                        {keySet.declared ? (
                          <Link href={`/key-sets/${encodeURIComponent(keySet.name)}`}>{keySet.name}</Link>
                        ) : (
                          <>
                            {keySet.name} <span className="badge badge-muted">{t('keySets.undeclared')}</span>
                          </>
                        )}
                      </td>
                      <td>{keySet.description ?? t('common.none')}</td>
                      <td className="mono">{keySet.seed ?? t('common.none')}</td>
                      <td className="num">{format.number(keySet.keys)}</td>
                      <td>{format.dateTime(keySet.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </section>
    </>
  );
}
