import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { TEST_API_TOKEN, TEST_GUARD_TOKEN, TEST_USER_TOKEN_SECRET, TEST_WEBHOOK_SECRET, TEST_WEBHOOK_URL } from "./test/guard-token.ts";

const configPath = "./wrangler.toml";
const secrets = { GUARD_TOKEN: TEST_GUARD_TOKEN, API_TOKEN: TEST_API_TOKEN, USER_TOKEN_SECRET: TEST_USER_TOKEN_SECRET };

// The slow files (the model-based runs and those against `wrangler dev`) start first, so the two
// workers finish together. Vitest orders by last run's timings, which a fresh clone does not have;
// it then goes by file size, and the model-based test files are a few lines each.
class SlowFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const slow = (file: TestSpecification) => /\/test\/(e2e\/.*|.*model)\.test\.ts$/.test(file.moduleId);
		return [...sorted.filter(slow), ...sorted.filter((file) => !slow(file))];
	}
}

export default defineConfig({
	test: {
		// Each callback logs one JSON line; show them only for failing tests.
		silent: "passed-only",
		// Two files at a time: the Node tests spend much of their time waiting for `wrangler dev`.
		maxWorkers: 2,
		sequence: { sequencer: SlowFirst },
		// The model-based tests: 50 sequences by default; MODEL_RUNS for longer runs, and
		// MODEL_SEED + MODEL_PATH (both printed on a failure) to replay a shrunk counterexample.
		provide: {
			modelRuns: Number(process.env.MODEL_RUNS ?? 50),
			modelSeed: process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED),
			modelPath: process.env.MODEL_PATH,
		},
		projects: [
			{
				// Everything that runs inside the Workers runtime with the shipped defaults, signed.
				plugins: [cloudflareTest({ wrangler: { configPath }, miniflare: { bindings: secrets } })],
				test: {
					name: "workers",
					include: ["test/**/*.test.ts"],
					exclude: [
						"test/e2e/**",
						"test/source/**",
						"test/import/**",
						"test/export/**",
						"test/backups/**",
						"test/policy-variants/**",
						"test/starrtc/**",
						"test/events/**",
					],
				},
			},
			{
				// With STARRTC_PROXY_URL set: admin changes are told to a stub of StarRTC's proxy.
				plugins: [
					cloudflareTest({ wrangler: { configPath }, miniflare: { bindings: { ...secrets, STARRTC_PROXY_URL: "http://proxy.test/" } } }),
				],
				test: { name: "starrtc-proxy", include: ["test/starrtc/**/*.test.ts"] },
			},
			{
				// With WEBHOOK_URL set: every group change is sent to a stub receiver (test/events/receiver.ts).
				plugins: [
					cloudflareTest({
						wrangler: { configPath },
						miniflare: {
							bindings: { ...secrets, WEBHOOK_URL: TEST_WEBHOOK_URL, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_TIMEOUT_MS: "300" },
						},
					}),
				],
				test: { name: "events", include: ["test/events/**/*.test.ts"] },
			},
			{
				// With an R2 bucket bound as BACKUPS: the nightly backup (src/backups), driven by its scheduled handler.
				plugins: [cloudflareTest({ wrangler: { configPath }, miniflare: { bindings: secrets, r2Buckets: ["BACKUPS"] } })],
				test: { name: "backups", include: ["test/backups/**/*.test.ts"] },
			},
			{
				// The same Worker with every policy variable set away from its default.
				plugins: [
					cloudflareTest({
						wrangler: { configPath },
						miniflare: {
							bindings: {
								...secrets,
								ADD_PERMISSION: "anyone",
								REMOVE_PERMISSION: "member",
								DELETE_PERMISSION: "member",
								MAX_GROUP_MEMBERS: "5",
								GROUP_ID_START: "7000",
								EVENT_HISTORY_DAYS: "0",
							},
						},
					}),
				],
				test: { name: "policy-variants", include: ["test/policy-variants/**/*.test.ts"] },
			},
			{
				// On Node: starts the real `wrangler dev` and talks HTTP to it, as StarRTC would; reads the source; the importer.
				test: {
					name: "node",
					environment: "node",
					include: ["test/e2e/**/*.test.ts", "test/source/**/*.test.ts", "test/import/**/*.test.ts", "test/export/**/*.test.ts"],
					testTimeout: 60_000,
					hookTimeout: 90_000,
				},
			},
		],
	},
});
