// Turns text cells (CSV, XLSX, query strings) into typed values without inventing data.

/**
 * An empty or blank cell is `null`; a numeric text (surrounding spaces allowed) is its number;
 * anything else is `NaN`, so validation rejects the record instead of storing a silent null or 0.
 */
export function numberOrNull(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const trimmed = String(text).trim();
  if (trimmed === '') return null;
  return Number(trimmed);
}
