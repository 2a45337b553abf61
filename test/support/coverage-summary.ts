// Line coverage per source folder (src/domain, src/engine, src/adapters/<name>, …) from the lcov
// file `npm run coverage` writes, so a change in coverage shows per layer rather than per file.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

/** The folder a source file is counted under: adapters by adapter, everything else by top folder. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0] ?? path;
  if (parts[1] === 'adapters' && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : 'src (root files)';
}

export function summarize(lcov: string, root: string): Map<string, { found: number; hit: number }> {
  const folders = new Map<string, { found: number; hit: number }>();
  let file = '';
  for (const line of lcov.split('\n')) {
    if (line.startsWith('SF:')) file = relative(root, line.slice(3));
    else if (line.startsWith('LF:') || line.startsWith('LH:')) {
      const folder = folderOf(file);
      const entry = folders.get(folder) ?? { found: 0, hit: 0 };
      if (line.startsWith('LF:')) entry.found += Number(line.slice(3));
      else entry.hit += Number(line.slice(3));
      folders.set(folder, entry);
    }
  }
  return folders;
}

const [lcovPath = 'coverage/lcov.info'] = process.argv.slice(2);
const folders = summarize(await readFile(lcovPath, 'utf8'), process.cwd());
const rows = [...folders].sort(([a], [b]) => a.localeCompare(b));
let found = 0;
let hit = 0;
process.stdout.write(`\nline coverage per folder (${lcovPath})\n`);
for (const [folder, entry] of rows) {
  found += entry.found;
  hit += entry.hit;
  const percent = entry.found === 0 ? 100 : (100 * entry.hit) / entry.found;
  process.stdout.write(
    `  ${folder.padEnd(28)} ${percent.toFixed(1).padStart(5)}%  ${entry.hit}/${entry.found}\n`,
  );
}
process.stdout.write(
  `  ${'all'.padEnd(28)} ${((100 * hit) / Math.max(found, 1)).toFixed(1).padStart(5)}%  ${hit}/${found}\n`,
);
