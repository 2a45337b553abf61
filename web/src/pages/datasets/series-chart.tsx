// Dataset page part: a numeric column over time, one line per series (its key values), under the
// records' filters. The chart module and uPlot load only when this part shows; a caption and a
// summary table say in text what the lines show.
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHART_POINTS, type RecordFilters, useChartRecords } from '../../api/dataset-queries.ts';
import type { DatasetSummary } from '../../api/types.ts';
import { Empty, Loading, QueryView } from '../../components/query-states.tsx';
import { type Formatters, useFormat } from '../../i18n/format.ts';
import { buildChartData, type ChartData } from './chart-data.ts';
import { filterColumns } from './record-filters.tsx';
import { isNumericColumn } from './record-value.ts';

const SeriesChartCanvas = lazy(() => import('./series-chart-canvas.tsx'));

function SeriesTable({ data, format }: { data: ChartData; format: Formatters }) {
  const { t } = useTranslation();
  const none = t('common.none');
  const number = (value: number | null) => (value === null ? none : format.number(value));
  return (
    <div className="table-wrap">
      <table data-testid="chart-table">
        <caption>{t('dataset.chart.tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dataset.chart.series')}</th>
            <th scope="col" className="num">
              {t('dataset.chart.points')}
            </th>
            <th scope="col" className="num">
              {t('dataset.chart.min')}
            </th>
            <th scope="col" className="num">
              {t('dataset.chart.max')}
            </th>
            <th scope="col" className="num">
              {t('dataset.chart.last')}
            </th>
            <th scope="col">{t('dataset.chart.lastAt')}</th>
          </tr>
        </thead>
        <tbody>
          {data.series.map((series) => (
            <tr key={series.label}>
              <th scope="row">{series.label}</th>
              <td className="num">{format.number(series.points)}</td>
              <td className="num">{number(series.min)}</td>
              <td className="num">{number(series.max)}</td>
              <td className="num">{number(series.last?.value ?? null)}</td>
              <td>{series.last ? format.dateTime(new Date(series.last.time).toISOString()) : none}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Chart(props: { dataset: DatasetSummary; column: string; filters: RecordFilters }) {
  const { t } = useTranslation();
  const format = useFormat();
  const points = useChartRecords(props.dataset.name, props.filters);
  const seriesColumns = useMemo(() => filterColumns(props.dataset), [props.dataset]);
  const data = useMemo(
    () =>
      points.data &&
      buildChartData(points.data.records, {
        timeColumn: props.dataset.time,
        valueColumn: props.column,
        seriesColumns,
      }),
    [points.data, props.dataset.time, props.column, seriesColumns],
  );
  return (
    <QueryView query={points} isEmpty={(page) => page.records.length === 0} empty={t('dataset.chart.empty')}>
      {(page) =>
        data && (
          <figure className="chart-figure" aria-labelledby="chart-caption">
            <figcaption id="chart-caption">
              {t('dataset.chart.caption', {
                column: props.column,
                count: data.series.length,
                from: format.dateTime(data.from === null ? null : new Date(data.from).toISOString()),
                to: format.dateTime(data.to === null ? null : new Date(data.to).toISOString()),
                series: data.series.map((series) => series.label).join(', '),
              })}
              {page.truncated && <> {t('dataset.chart.truncated', { value: format.number(CHART_POINTS) })}</>}
            </figcaption>
            <div aria-hidden="true">
              <Suspense fallback={<Loading />}>
                <SeriesChartCanvas
                  data={data}
                  valueLabel={props.column}
                  timeLabel={props.dataset.time}
                  format={format}
                />
              </Suspense>
            </div>
            <SeriesTable data={data} format={format} />
          </figure>
        )
      }
    </QueryView>
  );
}

export function SeriesChart({ dataset, filters }: { dataset: DatasetSummary; filters: RecordFilters }) {
  const { t } = useTranslation();
  const numeric = dataset.columns.filter(
    (column) => isNumericColumn(column) && !dataset.key.includes(column.name),
  );
  const [column, setColumn] = useState(numeric[0]?.name);
  return (
    <section className="card" aria-labelledby="chart-title">
      <h2 id="chart-title">{t('dataset.chart.title')}</h2>
      {column === undefined ? (
        <Empty>{t('dataset.chart.noNumeric')}</Empty>
      ) : (
        <>
          <form className="filters" onSubmit={(event) => event.preventDefault()}>
            <label>
              <span>{t('dataset.chart.column')}</span>
              <select value={column} onChange={(event) => setColumn(event.target.value)}>
                {numeric.map((entry) => (
                  <option key={entry.name} value={entry.name}>
                    {entry.name}
                  </option>
                ))}
              </select>
            </label>
            <p className="muted filter-note">{t('dataset.chart.followsFilters')}</p>
          </form>
          <Chart dataset={dataset} column={column} filters={filters} />
        </>
      )}
    </section>
  );
}
