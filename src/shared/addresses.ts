/**
 * AEC_ALLOWED_IPS: the source addresses (CF-Connecting-IP) that may call the AEC
 * URL, as IPv4 and IPv6 addresses and CIDR ranges. An address is held as a
 * 128-bit number; IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so
 * `1.2.3.0/24` and `::ffff:1.2.3.0/120` are the same range.
 */
export interface AddressRange {
	readonly network: bigint;
	readonly prefix: number;
}

const V4_MAPPED = 0xffffn << 32n;

function ipv4(text: string): bigint | undefined {
	const parts = text.split(".");
	if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
	return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

function ipv6(text: string): bigint | undefined {
	const halves = text.split("::");
	if (halves.length > 2) return undefined;
	const [head, rest] = halves.map((half) => (half === "" ? [] : half.split(":"))) as [string[], string[]?];
	// A trailing dotted IPv4 part stands for the last two groups.
	const tail = rest ?? head;
	const last = tail.at(-1);
	let low: bigint | undefined;
	if (last?.includes(".")) {
		low = ipv4(last);
		if (low === undefined) return undefined;
		tail.pop();
	}
	const after = rest ?? [];
	const words = [...head, ...after];
	if (!words.every((w) => /^[0-9a-fA-F]{1,4}$/.test(w))) return undefined;
	const count = words.length + (low === undefined ? 0 : 2);
	if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
	const filled = [...head, ...Array(8 - count).fill("0"), ...after].map((w) => BigInt(`0x${w}`));
	const value = filled.reduce((n, w) => (n << 16n) | w, 0n);
	return low === undefined ? value : (value << 32n) | low;
}

/** An address as CF-Connecting-IP carries it, as a 128-bit number. */
export function parseAddress(text: string): bigint | undefined {
	const v4 = ipv4(text);
	return v4 === undefined ? ipv6(text) : V4_MAPPED | v4;
}

/** A comma-separated list of addresses and CIDR ranges; undefined when an entry does not parse. */
export function parseRanges(text: string): AddressRange[] | undefined {
	const ranges: AddressRange[] = [];
	for (const entry of text.split(",").map((e) => e.trim())) {
		if (entry === "") continue;
		const [address, bits, ...extra] = entry.split("/") as [string, ...string[]];
		const isV4 = ipv4(address) !== undefined;
		const value = parseAddress(address);
		const width = isV4 ? 32 : 128;
		const length = bits === undefined ? width : /^(0|[1-9][0-9]{0,2})$/.test(bits) ? Number(bits) : Number.NaN;
		// NaN fails the comparison too.
		if (value === undefined || extra.length || !(length <= width)) return undefined;
		const prefix = length + (128 - width);
		ranges.push({ network: value >> BigInt(128 - prefix), prefix });
	}
	return ranges.length ? ranges : undefined;
}

export function isAllowed(ranges: readonly AddressRange[], address: string | null): boolean {
	// Headers.get() has already stripped surrounding whitespace.
	const value = address === null ? undefined : parseAddress(address);
	if (value === undefined) return false;
	return ranges.some(({ network, prefix }) => value >> BigInt(128 - prefix) === network);
}

/**
 * The CALLBACKS_PER_IP bucket of a source address: an IPv4 address alone, an IPv6
 * address by its /64, the smallest block a network hands one subscriber, so one
 * sender cannot spread its calls over 2^64 buckets. Text that is no address is its
 * own bucket (the runtime always sets CF-Connecting-IP; locally it is absent: "").
 */
export function rateLimitKey(address: string | null): string {
	const value = address === null ? undefined : parseAddress(address);
	if (value === undefined) return (address ?? "").slice(0, 128);
	if (value >> 32n === 0xffffn) return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join(".");
	const words = [112n, 96n, 80n, 64n].map((shift) => ((value >> shift) & 0xffffn).toString(16));
	return `${words.join(":")}::/64`;
}
