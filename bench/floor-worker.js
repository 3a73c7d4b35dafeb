// The runtime floor: the least a callback can cost here. It reads the form
// body, makes one RPC to a Durable Object picked by name (as a group callback
// does) and answers {"status":"1"}, with no validation, no signing and, in the
// "no-op" variant, no SQL. The "one write" variant also writes one row for each
// mutating callback, the least a durable change can cost.
import { DurableObject } from "cloudflare:workers";

export class Floor extends DurableObject {
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID");
	}
	ping() {
		return true;
	}
	write(key) {
		this.ctx.storage.sql.exec("INSERT INTO t VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET v = v + 1", key);
		return true;
	}
}

export default {
	async fetch(request, env) {
		const data = new URLSearchParams(await request.text()).get("data") ?? "";
		const object = env.FLOOR.getByName(/"groupId":"(\d+)"/.exec(data)?.[1] ?? "create");
		const mutates = env.WRITES === "true" && !data.includes("SYNC_ALL");
		await (mutates ? object.write(data.slice(0, 64)) : object.ping());
		return new Response('{"status":"1"}', { headers: { "Content-Type": "application/json" } });
	},
};
