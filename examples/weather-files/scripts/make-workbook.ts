// Writes data/hill_sites_2024-10-05.xlsx, the hand-kept workbook the example ships (run once; committed).
import ExcelJS from 'exceljs';

const workbook = new ExcelJS.Workbook();
workbook.creator = 'sluice example';
const sheet = workbook.addWorksheet('observations');
sheet.columns = [
  { header: 'station', key: 'station', width: 16 },
  { header: 'observed_at', key: 'observed_at', width: 22, style: { numFmt: 'yyyy-mm-dd hh:mm' } },
  { header: 'temperature_c', key: 'temperature_c' },
  { header: 'humidity_pct', key: 'humidity_pct' },
  { header: 'pressure_hpa', key: 'pressure_hpa' },
  { header: 'wind_mean_kmh', key: 'wind_mean_kmh' },
  { header: 'wind_gust_kmh', key: 'wind_gust_kmh' },
  { header: 'wind_direction_deg', key: 'wind_direction_deg' },
  { header: 'rain_1h_mm', key: 'rain_1h_mm' },
];
const sites = [
  { station: 'mont_cassel', base: 9.1, wind: 14, dir: 230 },
  { station: 'mont_noir', base: 8.4, wind: 18, dir: 240 },
];
for (const site of sites) {
  for (let hour = 6; hour <= 17; hour++) {
    const warm = Math.sin(((hour - 6) / 11) * Math.PI) * 5;
    sheet.addRow({
      station: site.station,
      observed_at: new Date(Date.UTC(2024, 9, 5, hour)),
      temperature_c: Math.round((site.base + warm) * 10) / 10,
      humidity_pct: Math.round(92 - warm * 4),
      pressure_hpa: Math.round((1019.5 - hour * 0.15) * 10) / 10,
      wind_mean_kmh: site.wind + (hour % 3),
      wind_gust_kmh: site.wind + 9 + (hour % 4),
      wind_direction_deg: site.dir + (hour % 5) * 5,
      rain_1h_mm: hour === 15 ? 0.4 : 0,
    });
  }
}
// Two rows as people really type them: a humidity slip and a missing time. Both are quarantined.
sheet.addRow({
  station: 'mont_noir',
  observed_at: new Date(Date.UTC(2024, 9, 5, 18)),
  temperature_c: 9.8,
  humidity_pct: 930,
});
sheet.addRow({ station: 'mont_cassel', observed_at: null, temperature_c: 10.1, humidity_pct: 88 });
await workbook.xlsx.writeFile(new URL('../data/hill_sites_2024-10-05.xlsx', import.meta.url).pathname);
