// Loads a project's sluice.config.ts; its `import ... from 'sluice'` always means this very copy.
import { access } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, isSluiceError } from '../../domain/errors.ts';
import { type ConfigOptions, defineConfig, type SluiceConfig } from '../../domain/pipeline-definition.ts';
import { formatLocation, formatSnippet, locateLoadError } from './load-error-location.ts';

export const DEFAULT_CONFIG_FILE = 'sluice.config.ts';
// From the repository this module is TypeScript run directly; from the package it is dist/…/load-config.js.
const RUNS_FROM_SOURCE = import.meta.url.endsWith('.ts');
const PUBLIC_API = new URL(RUNS_FROM_SOURCE ? '../../index.ts' : '../../index.js', import.meta.url).href;
const PUBLIC_API_FORMAT = RUNS_FROM_SOURCE ? 'module-typescript' : 'module';
const OWN_SOURCE_DIR = fileURLToPath(new URL('../../', import.meta.url));

let hooksRegistered = false;

/**
 * One module instance for the engine and the user's definitions: a config in any directory
 * (with or without node_modules) resolves `sluice` to the running CLI's own public API.
 */
function registerSluiceResolution(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'sluice') return { url: PUBLIC_API, shortCircuit: true, format: PUBLIC_API_FORMAT };
      return nextResolve(specifier, context);
    },
  });
}

export interface LoadedConfig {
  config: SluiceConfig;
  path: string;
  /** The config's directory: relative paths in definitions and the embedded database live here. */
  baseDir: string;
}

export async function loadConfig(configPath: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
  const path = resolve(cwd, configPath ?? DEFAULT_CONFIG_FILE);
  try {
    await access(path);
  } catch {
    throw new ConfigError(
      `no config file at ${path}: create one with \`sluice init\`, or pass --config <path to sluice.config.ts>`,
    );
  }
  registerSluiceResolution();
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    if (isSluiceError(error)) throw new ConfigError(`${path}: ${error.message}`, { cause: error });
    throw new ConfigError(await describeLoadError(error, path), { cause: error });
  }
  const exported = loaded.default;
  if (!exported || typeof exported !== 'object') {
    throw new ConfigError(
      `${path} has no default export: end it with \`export default defineConfig({ ... })\``,
    );
  }
  let config: SluiceConfig;
  try {
    config =
      (exported as { kind?: unknown }).kind === 'config'
        ? (exported as SluiceConfig)
        : defineConfig(exported as ConfigOptions);
  } catch (error) {
    if (isSluiceError(error)) throw new ConfigError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
  const baseDir = dirname(path);
  return { config: withSeedPaths(config, baseDir), path, baseDir };
}

/**
 * `file:line:column: SyntaxError: …` and the offending line with a caret, where Node reported
 * a location (in the config or in a file it imports); else the bare message.
 */
async function describeLoadError(error: unknown, path: string): Promise<string> {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  const located = await locateLoadError(error, OWN_SOURCE_DIR);
  if (located === undefined) return `cannot load ${path}: ${message}`;
  const { location, source } = located;
  const lines = [`${formatLocation(location)}: ${name}: ${message}`];
  if (source !== undefined) lines.push(formatSnippet(location, source));
  if (location.file !== path) lines.push(`  (imported while loading ${path})`);
  return lines.join('\n');
}

/** Seed files are declared relative to the config; from here on they are absolute paths. */
function withSeedPaths(config: SluiceConfig, baseDir: string): SluiceConfig {
  const keySets = new Map(
    [...config.keySets].map(([name, keySet]) => [
      name,
      { ...keySet, seed: keySet.seed === undefined ? undefined : resolve(baseDir, keySet.seed) },
    ]),
  );
  return { ...config, keySets };
}
