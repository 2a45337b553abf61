// What the key set routes answer: sets with their key counts, one set's keys, and what a write changed.
import { z } from 'zod';
import { instant } from './problem.ts';

export const keySetListSchema = z.object({
  keySets: z.array(
    z.object({
      name: z.string(),
      declared: z.boolean().describe('false for a set still stored after its declaration was removed'),
      seed: z.string().nullable().describe('the seed file, relative to the config’s directory'),
      description: z.string().nullable(),
      keys: z.number().int(),
      updatedAt: instant.nullable(),
    }),
  ),
});

export const keySetKeysSchema = z.object({
  keySet: z.string(),
  keys: z.array(
    z.object({
      key: z.string(),
      attributes: z.record(z.string(), z.string()),
      createdAt: instant,
      updatedAt: instant,
    }),
  ),
});

export const keySetChangeSchema = z.object({
  keySet: z.string(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  removed: z.number().int(),
});

export const keyRemovedSchema = z.object({ keySet: z.string(), removed: z.string().describe('the key') });
