// The advisory lock that serialises queueing a run per slot (see domain/run-slot.ts), written once.

/**
 * The lock key of a run slot, as SQL over a text expression that yields the slot (`$1`, or
 * `$2 || '|' || partition_key` in SQL, which is runSlot's form); take it transaction-scoped.
 */
export function triggerLockKey(slotSql: string): string {
  return `hashtext('sluice.trigger:' || ${slotSql})`;
}
