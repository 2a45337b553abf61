// The User-Agent sluice sends unless a source declares its own header: some upstreams refuse or
// throttle requests without one (Weather Underground, Wikimedia, several public weather services).
import { readFileSync } from 'node:fs';

// From src/adapters/sources/ and dist/adapters/sources/ alike, the manifest is three levels up.
const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version?: string;
};

export const USER_AGENT = `sluice/${manifest.version ?? 'dev'} (data collection; https://sluice.dev)`;
