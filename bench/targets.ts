import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { freePort, startDevServer } from "../test/e2e/dev-server.ts";
import { Processes, spawnedBy } from "./cpu.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Something that answers AEC callbacks at `url`. */
export interface Target {
	readonly name: string;
	readonly url: string;
	/** The processes that serve it, for CPU time; unknown for --url without --url-pids. */
	readonly processes?: Processes;
	stop(): Promise<void>;
}

/** A [vars] value of wrangler.toml, as deployed. */
export function configured(name: string): string {
	const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
	return String((workerOptions.bindings as Record<string, unknown>)[name]);
}

/** Bundles the Worker exactly as `wrangler deploy` would, into a scratch folder. */
function bundle(): string {
	const out = mkdtempSync(join(tmpdir(), "aec-bundle-"));
	execFileSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", out], {
		cwd: root,
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
		stdio: "ignore",
	});
	return out;
}

/** Runs one module Worker in workerd through Miniflare, listening on loopback; no proxy in front. */
export async function serve(
	name: string,
	options: {
		source: string;
		vars?: Record<string, string>;
		objects: Record<string, string>;
		persist?: string;
		storage?: "sqlite" | "legacy-kv";
	},
): Promise<{ url: string; stop: () => Promise<void> }> {
	const port = await freePort();
	const { compatibilityDate } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml")).workerOptions;
	const text = (value: string) => ({ type: "text" as const, value });
	const mf = new Miniflare({
		host: "127.0.0.1",
		port,
		// The Worker's log lines would be printed by this process, on the same two cores as the
		// load; in production they go to Workers Logs. Dropped here (wrangler dev still prints them).
		handleStructuredLogs: () => {},
		resourcePersistencePath: options.persist,
		workers: [
			{
				config: {
					name,
					compatibilityDate: String(compatibilityDate),
					manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm", contents: readFileSync(options.source, "utf8") } } },
					env: {
						...Object.fromEntries(Object.entries(options.vars ?? {}).map(([k, v]) => [k, text(v)])),
						...Object.fromEntries(
							Object.entries(options.objects).map(([binding, exportName]) => [
								binding,
								{ type: "durable-object" as const, worker: name, exportName },
							]),
						),
					},
					exports: Object.fromEntries(
						Object.values(options.objects).map((exportName) => [
							exportName,
							{ type: "durable-object" as const, storage: options.storage ?? ("sqlite" as const) },
						]),
					),
				},
			},
		],
	});
	await mf.ready;
	return { url: `http://127.0.0.1:${port}/eventCenter`, stop: () => mf.dispose() };
}

/** The Worker alone in workerd, bundled as `wrangler deploy` bundles it, with no `wrangler dev` proxy in front. */
export async function startDirect(vars: Record<string, string>, name = "worker (direct)"): Promise<Target> {
	const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
	const out = bundle();
	const persist = mkdtempSync(join(tmpdir(), "aec-bench-state-"));
	const { value: served, processes } = await spawnedBy(() =>
		serve("aec", {
			source: join(out, "index.js"),
			vars: { ...(workerOptions.bindings as Record<string, string>), ...vars },
			objects: { GROUPS: "GroupObject", GROUP_IDS: "GroupIdCounter", USER_INDEX: "UserIndex" },
			persist,
		}),
	);
	return {
		name,
		url: served.url,
		processes,
		async stop() {
			await served.stop();
			rmSync(out, { recursive: true, force: true });
			rmSync(persist, { recursive: true, force: true });
		},
	};
}

/** The Worker as users run it: `wrangler dev`, through its local proxy. */
export async function startWranglerDev(vars: Record<string, string>): Promise<Target> {
	const { value: dev, processes } = await spawnedBy(() => startDevServer({ vars }));
	return { name: "worker (wrangler dev)", url: `${dev.url}/eventCenter`, processes, stop: () => dev.stop() };
}

/** A no-op Worker → Durable Object round trip in the same runtime; with `writes`, one row written per mutation. */
export async function startFloor(writes = false): Promise<Target> {
	const { value: served, processes } = await spawnedBy(() =>
		serve("floor", {
			source: join(root, "bench/floor-worker.js"),
			objects: { FLOOR: "Floor" },
			vars: { WRITES: String(writes) },
		}),
	);
	return { name: writes ? "floor + one write" : "runtime floor", processes, ...served };
}

/** An AEC server someone else runs (the StarRTC sample server, for one). */
export function external(url: string, pids: readonly number[]): Target {
	return { name: `--url ${url}`, url, ...(pids.length ? { processes: new Processes(pids, 10_000) } : {}), stop: async () => {} };
}
