/** The guard token the in-runtime tests sign with (set as GUARD_TOKEN in vitest.config.ts). */
export const TEST_GUARD_TOKEN = "test-guard-token";
