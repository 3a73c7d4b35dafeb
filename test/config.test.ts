import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import { ConfigError, readSettings, type SettingsSource } from "../src/config";
import configSource from "../src/config.ts?raw";
import { computeSign } from "../src/edge/sign";
import { TEST_WEBHOOK_SECRET } from "./guard-token";
import { TEST_GUARD_TOKEN, failure, form, sendWith } from "./helpers";

// docs/operations.md "Configuration": a value out of range makes every callback INTERNAL_ERROR, with the
// variable named in the log. Values at the edges of each range are taken.
const settings: Record<string, { readonly bad: readonly string[]; readonly good: readonly (string | undefined)[] }> = {
	// Any text is a token, and anything but "true" means false: no value of these is bad.
	GUARD_TOKEN: { bad: [], good: [TEST_GUARD_TOKEN] },
	ALLOW_UNSIGNED: { bad: [], good: ["true", "false", "yes", ""] },
	// 0 turns the ts check and the replay cache off.
	MAX_CALLBACK_AGE_SECONDS: { bad: ["-1", "86401", "5m", "1.5", "Infinity"], good: ["0", "1", "86400", "", undefined] },
	AEC_PATH_SECRET: { bad: ["short", "has space in it 0123", "slash/in/secret/0123", "x".repeat(129)], good: [""] }, // a set secret moves the callback path: test/edge/callers.test.ts
	AEC_ALLOWED_IPS: { bad: ["10.0.0.0/33", "not-an-ip", "1.2.3.4/8/9", "::1/129"], good: [""] }, // a set list refuses this caller: test/edge/callers.test.ts
	GROUP_ID_START: { bad: ["0", "-1", "4503599627370497", "1.5", "abc", "Infinity"], good: ["1", "4503599627370496", "", "  ", undefined] },
	MAX_GROUP_MEMBERS: { bad: ["0", "-1", "1000001", "lots", "2.5"], good: ["1", "1000000", "", "  ", undefined] },
	ADD_PERMISSION: { bad: ["admin", "Creator", "members", " member"], good: ["creator", "member", "anyone", "", undefined] },
	REMOVE_PERMISSION: { bad: ["admin", "Member", "everyone"], good: ["creator", "member", "anyone", "", undefined] },
	DELETE_PERMISSION: { bad: ["admin", "ANYONE", "nobody"], good: ["creator", "member", "anyone", "", undefined] },
	PUSH_MODE: { bad: ["4", "-1", "22", "two", " 2"], good: ["0", "3", "", undefined] },
	UPSTREAM_AEC_URL: { bad: ["not a url", "/eventCenter.php", "upstream.example"], good: ["", undefined] },
	UPSTREAM_TIMEOUT_MS: { bad: ["0", "-1", "15001", "5s"], good: ["1", "15000", "", "  ", undefined] },
	INDEX_SHARDS: { bad: ["0", "1025", "-3", "16.5", "many"], good: ["1", "1024", ""] },
	USER_INDEX_FEED: { bad: ["true", "OFF", "no"], good: ["on", "off", ""] },
	REGISTRY_SHARDS: { bad: ["0", "65", "-1", "4.5", "four"], good: ["1", "64", ""] },
	API_TOKEN: { bad: ["short", "fifteen-chars-x"], good: ["sixteen-chars-xx", ""] },
	USER_TOKEN_SECRET: { bad: ["short", "fifteen-chars-x"], good: ["sixteen-chars-xx", ""] },
	PUBLIC_READS: { bad: ["yes", "TRUE", "1"], good: ["true", "false", ""] },
	API_CORS_ORIGINS: {
		bad: ["app.example.com", "https://app.example.com/path", "https://a.example,nope"],
		good: ["https://app.example.com", "*", "https://a.example, http://localhost:5173", ""],
	},
	STARRTC_PROXY_URL: {
		bad: ["starrtc-host:19922", "ftp://host/", "xhttp://host/", "not a url"],
		good: ["http://127.0.0.1:19922/", "http://127.0.0.1:19922", ""],
	},
	STARRTC_PROXY_TIMEOUT_MS: { bad: ["99", "15001", "5s"], good: ["100", "15000", ""] },
	CONSOLE: { bad: ["true", "OFF", "no"], good: ["on", "off", "", undefined] },
	// A set URL needs a secret too: below, "a webhook needs …".
	WEBHOOK_URL: {
		bad: ["http://receiver.example/hooks", "http://10.0.0.1/", "ftp://receiver.example/", "receiver.example/hooks", "not a url"],
		good: [""],
	},
	WEBHOOK_SECRET: {
		bad: [
			"whsec_",
			"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"whsec_c2hvcnQ=",
			"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
			`whsec_${btoa("x".repeat(65))}`,
		],
		good: ["", TEST_WEBHOOK_SECRET, `whsec_${btoa("x".repeat(64))}`],
	},
	WEBHOOK_TIMEOUT_MS: { bad: ["99", "15001", "5s"], good: ["100", "15000", ""] },
	EVENT_HISTORY_DAYS: { bad: ["-1", "3651", "30d", "1.5"], good: ["0", "3650", "", undefined] },
};

/** A signed access validation: answered here whatever the policy, once the settings are read. */
async function validate(variable: string, value: string | undefined) {
	const data = JSON.stringify({ ts: String(Math.floor(Date.now() / 1000)), action: "AEC_ACCESS_VALIDATION", echostr: "e" });
	const request = new Request("http://aec.test/eventCenter", {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: form({ data, sign: await computeSign(TEST_GUARD_TOKEN, data) }),
	});
	return sendWith(request, { ...env, [variable]: value });
}

function catchError(run: () => unknown): unknown {
	try {
		run();
	} catch (error) {
		return error;
	}
	return undefined;
}

const read = (values: Partial<Record<string, string | undefined>>) => readSettings({ ...env, ...values } as SettingsSource);

describe("settings", () => {
	afterEach(() => vi.restoreAllMocks());

	it("the table covers every variable src/config.ts reads", ({ expect }) => {
		// A name starts with a letter (so a mutation tool's own `env.__…__` switch in the source is not one).
		const read = new Set([...configSource.matchAll(/\benv\.([A-Z][A-Z_]*)/g)].map((m) => m[1]));
		expect([...read].sort()).toEqual(Object.keys(settings).sort());
	});

	for (const [variable, { bad }] of Object.entries(settings)) {
		for (const value of bad) {
			it(`${variable}=${JSON.stringify(value)} makes a callback INTERNAL_ERROR and names the variable in the log`, async ({ expect }) => {
				const lines: string[] = [];
				vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
				const sent = await validate(variable, value);
				expect([sent.body, sent.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
				expect(lines.join("\n")).toContain(variable);
				// The same error names the variable for /healthz (X-AEC-Setting) and in the log.
				const thrown = catchError(() => readSettings({ ...env, [variable]: value }));
				expect(thrown).toBeInstanceOf(ConfigError);
				expect([(thrown as ConfigError).variable, String(thrown).startsWith(`ConfigError: ${variable}`)]).toEqual([variable, true]);
			});
		}
	}

	it("takes the values at the edges of each range", async ({ expect }) => {
		for (const [variable, { good }] of Object.entries(settings)) {
			for (const value of good) {
				expect((await validate(variable, value)).body, `${variable}=${JSON.stringify(value)}`).toBe('{"status":"1","data":"e"}');
			}
		}
	});

	it("a webhook needs an https URL (http only on loopback) and a secret; EVENT_HISTORY_DAYS is 30 unless set", ({ expect }) => {
		const secret = TEST_WEBHOOK_SECRET;
		for (const url of ["https://receiver.example/hooks", "http://127.0.0.1:9000/", "http://localhost/hooks", "http://[::1]:8080/"]) {
			expect(read({ WEBHOOK_URL: url, WEBHOOK_SECRET: secret }).webhookUrl, url).toBe(url);
		}
		expect(read({ WEBHOOK_URL: "", WEBHOOK_SECRET: secret })).toMatchObject({
			webhookUrl: undefined,
			webhookSecret: secret,
			webhookTimeoutMs: 5000,
		});
		const missing = catchError(() => read({ WEBHOOK_URL: "https://receiver.example/hooks" }));
		expect([(missing as ConfigError).variable, String(missing)]).toEqual([
			"WEBHOOK_SECRET",
			"ConfigError: WEBHOOK_SECRET must be set when WEBHOOK_URL is",
		]);
		expect([read({}).eventHistoryDays, read({ EVENT_HISTORY_DAYS: "0" }).eventHistoryDays]).toEqual([30, 0]);
		// A bad secret is never echoed.
		expect(String(catchError(() => read({ WEBHOOK_SECRET: "whsec_secret-text" })))).not.toContain("secret-text");
	});

	it("reads each value as the README documents it", ({ expect }) => {
		expect([
			read({ USER_INDEX_FEED: "off" }).userIndex,
			read({ USER_INDEX_FEED: "on" }).userIndex,
			read({ USER_INDEX_FEED: "" }).userIndex,
		]).toEqual([false, true, true]);
		// Calls are `<url><name>`: a base URL without its last slash gets one.
		expect(read({ STARRTC_PROXY_URL: "http://proxy.test:19922" }).starrtcProxyUrl).toBe("http://proxy.test:19922/");
		expect(read({ STARRTC_PROXY_URL: "https://proxy.test/sub/" }).starrtcProxyUrl).toBe("https://proxy.test/sub/");
		expect(read({ API_CORS_ORIGINS: undefined }).corsOrigins).toEqual([]);
		// Only spaces is unset (every caller allowed), not an empty list (every caller refused).
		expect(read({ AEC_ALLOWED_IPS: "  " }).allowedAddresses).toBeUndefined();
		expect(read({ API_CORS_ORIGINS: " https://a.example ,, * " }).corsOrigins).toEqual(["https://a.example", "*"]);
		// A bad address list is quoted in the message, cut at 200 characters.
		const long = `bad-${"x".repeat(300)}`;
		expect(String(catchError(() => read({ AEC_ALLOWED_IPS: long })))).toBe(
			`ConfigError: AEC_ALLOWED_IPS must be IPv4/IPv6 addresses or CIDR ranges, comma-separated, not "${long.slice(0, 200)}"`,
		);
	});
});
