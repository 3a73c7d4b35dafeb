import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "vitest";
import type { CleanGroup } from "../../tools/import/clean.ts";
import { pool, putGroup } from "../../tools/import/put.ts";

const group: CleanGroup = {
	groupId: "100462",
	body: { creator: "alice", name: "n", members: ["alice", "bob"], doNotDisturb: [], createdAt: 0 },
};

/** A stand-in for our server that answers from a script, one answer per request. */
async function serve(answers: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
	let n = 0;
	const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
	const server = createServer((req, res) => {
		let body = "";
		req
			.on("data", (c) => (body += c))
			.on("end", () => {
				seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
				answers(req, res, n++);
			});
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, seen, close: () => new Promise((r) => server.close(r)) };
}
const json = (res: ServerResponse, status: number, body: unknown) =>
	res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));

describe("writing a group", () => {
	it("waits what a 429's Retry-After says before trying again", async ({ expect }) => {
		const server = await serve((_, res, n) =>
			n === 0
				? res
						.writeHead(429, { "Content-Type": "application/json", "Retry-After": "1" })
						.end(JSON.stringify({ error: { code: "RATE", message: "slow down" } }))
				: json(res, 201, { result: "created" }),
		);
		const started = Date.now();
		const written = await putGroup(group, { url: server.url, apiToken: "t", overwrite: false, backoffMs: 5 });
		await server.close();
		expect(written).toMatchObject({ result: "created", attempts: 2 });
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});

	it("retries 5xx and 429 with backoff, then takes the answer", async ({ expect }) => {
		const server = await serve((_, res, n) =>
			n < 2
				? json(res, n === 0 ? 503 : 429, { error: { code: "INTERNAL_ERROR", message: "busy" } })
				: json(res, 201, { result: "created" }),
		);
		const written = await putGroup(group, { url: `${server.url}/`, apiToken: "t0ken", overwrite: true, backoffMs: 5 });
		await server.close();
		expect(written).toMatchObject({ result: "created", attempts: 3 });
		expect(server.seen[0]).toEqual({
			method: "PUT",
			url: "/v1/groups/100462?overwrite=true",
			auth: "Bearer t0ken",
			body: JSON.stringify(group.body),
		});
	});

	it("does not retry a 4xx: a conflict, a refusal and a full group are final", async ({ expect }) => {
		for (const [code, status, result] of [
			["GROUP_EXISTS", 409, "conflict"],
			["BAD_REQUEST", 400, "refused"],
			["GROUP_FULL", 409, "group-full"],
			["GROUP_DELETED", 410, "deleted-here"],
		] as const) {
			const server = await serve((_, res) => json(res, status, { error: { code, message: "m" } }));
			const written = await putGroup(group, { url: server.url, apiToken: "t", overwrite: false, backoffMs: 5 });
			await server.close();
			expect(written, code).toMatchObject({ result, attempts: 1, status, error: `${code}: m` });
			expect(server.seen.map((s) => s.url)).toEqual(["/v1/groups/100462"]);
		}
	});

	it("retries network errors, and gives up after its attempts", async ({ expect }) => {
		const server = await serve((req) => req.socket.destroy());
		const written = await putGroup(group, { url: server.url, apiToken: "t", overwrite: false, attempts: 3, backoffMs: 5 });
		await server.close();
		expect(written).toMatchObject({ result: "failed", attempts: 3 });
		expect(server.seen.length).toBe(3);
	});
});

describe("the pool", () => {
	it("runs every item once, never more than its bound at once", async ({ expect }) => {
		let running = 0;
		let most = 0;
		const done: number[] = [];
		await pool(
			Array.from({ length: 40 }, (_, i) => i),
			4,
			async (i) => {
				most = Math.max(most, ++running);
				await new Promise((r) => setTimeout(r, 1 + (i % 3)));
				running--;
				return i;
			},
			(i) => done.push(i),
		);
		expect([most, done.sort((a, b) => a - b)]).toEqual([4, Array.from({ length: 40 }, (_, i) => i)]);
	});
});
