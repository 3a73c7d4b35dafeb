/**
 * FNV-1a (32-bit) of a text's UTF-8 bytes: the stable hash that places a user
 * in an index shard and a group in a registry shard. Its values are stored
 * (each shard holds what hashed to it), so it must never change.
 */
export function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(text)) {
		hash ^= byte;
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash;
}
