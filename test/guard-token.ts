/** The guard token the in-runtime tests sign with (set as GUARD_TOKEN in vitest.config.ts). */
export const TEST_GUARD_TOKEN = "test-guard-token";
/** The read API's secrets in the in-runtime tests (API_TOKEN, USER_TOKEN_SECRET in vitest.config.ts). */
export const TEST_API_TOKEN = "test-api-token-0123456789";
export const TEST_USER_TOKEN_SECRET = "test-user-token-secret-0123456789";
/**
 * The webhook receiver and its secret in the `events` test project (WEBHOOK_URL, WEBHOOK_SECRET in
 * vitest.config.ts): the Standard Webhooks specification's own example secret (24 bytes).
 */
export const TEST_WEBHOOK_URL = "https://receiver.test/hooks";
export const TEST_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
