/** A time (ms since 1970) as the API and the messages write it: ISO 8601, UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();
