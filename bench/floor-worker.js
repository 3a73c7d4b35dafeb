// The runtime floor: the least a callback can cost here. It reads the form
// body, makes one RPC to a Durable Object picked by name (as a group callback
// does) and answers {"status":"1"}, with no validation, no SQL and no signing.
import { DurableObject } from "cloudflare:workers";

export class Floor extends DurableObject {
	ping() {
		return true;
	}
}

export default {
	async fetch(request, env) {
		const data = new URLSearchParams(await request.text()).get("data") ?? "";
		const name = /"groupId":"(\d+)"/.exec(data)?.[1] ?? "create";
		await env.FLOOR.getByName(name).ping();
		return new Response('{"status":"1"}', { headers: { "Content-Type": "application/json" } });
	},
};
