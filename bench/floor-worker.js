// The runtime floor: the least a callback can cost here. It reads the form
// body, makes one RPC to a Durable Object picked by name (as a group callback
// does) and answers {"status":"1"}, with no validation, no signing and, in the
// "no-op" variant, no SQL. The "one write" variant also writes one row for each
// mutating callback, the least a durable change can cost. A create always
// starts a new object, as any design with one object per group must.
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

let created = 0;

export default {
	async fetch(request, env) {
		const data = new URLSearchParams(await request.text()).get("data") ?? "";
		const name = data.includes("AEC_GROUP_CREATE") ? crypto.randomUUID() : /"groupId":"(\d+)"/.exec(data)?.[1];
		const object = env.FLOOR.getByName(name ?? "");
		const mutates = env.WRITES === "true" && !data.includes("SYNC_ALL");
		await (mutates ? object.write(data.slice(0, 64)) : object.ping());
		const body = name === undefined || !data.includes("AEC_GROUP_CREATE") ? '{"status":"1"}' : `{"status":"1","data":"${++created}"}`;
		return new Response(body, { headers: { "Content-Type": "application/json" } });
	},
};
