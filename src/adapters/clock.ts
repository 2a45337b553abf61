// The clock processes use: the system clock, or a shared accelerated clock for multi-process tests.
import { ConfigError } from '../domain/errors.ts';
import { type Clock, systemClock } from '../engine/ports.ts';

/**
 * `SLUICE_TEST_CLOCK={"virtualStart":"2026-01-05T00:00:00Z","realStart":<epoch ms>,"speed":60}`
 * makes every process that shares it agree on an accelerated time: one real second is `speed`
 * virtual seconds. Tests use it to compress an every-minute schedule; never set it in production.
 */
export function clockFromSpec(raw: string | undefined): Clock {
  if (!raw) return systemClock;
  let spec: { virtualStart?: unknown; realStart?: unknown; speed?: unknown };
  try {
    spec = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'SLUICE_TEST_CLOCK must be JSON: {"virtualStart": ISO, "realStart": epoch ms, "speed": n}',
    );
  }
  const virtualStart = Date.parse(String(spec.virtualStart));
  const realStart = Number(spec.realStart);
  const speed = Number(spec.speed);
  if (!Number.isFinite(virtualStart) || !Number.isFinite(realStart) || !(speed > 0)) {
    throw new ConfigError('SLUICE_TEST_CLOCK needs a valid virtualStart, realStart and a positive speed');
  }
  return { now: () => new Date(virtualStart + (Date.now() - realStart) * speed) };
}
