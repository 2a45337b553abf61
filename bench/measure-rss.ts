// Runs a Node script in this process and prints its exit code and peak RSS as a last JSON line.
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (!script) throw new Error('usage: measure-rss.ts <script> [args...]');
process.argv = [process.argv[0] as string, script, ...args];
process.on('exit', (code) => {
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`\n${JSON.stringify({ peakRssMb, exitCode: process.exitCode ?? code })}\n`);
});
await import(pathToFileURL(script).href);
