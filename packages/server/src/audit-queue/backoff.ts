/**
 * backoffMs is the wait before retry number `attempt` (1, 2, …): exponential from `initialMs`,
 * capped at `maxMs`, with "equal jitter" (between half and all of it) so that many tenants
 * failing together do not retry in lockstep against a database that is coming back.
 */
export function backoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}
