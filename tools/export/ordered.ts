/**
 * Runs `work` over `items` with at most `concurrency` at once, and hands the
 * results to `emit` in the items' order. Work starts at most `window` items ahead
 * of the last emitted one, so a slow item holds back a bounded number of results.
 * `work` must not throw; `stop` ends the starting of new items (those under way finish).
 */
export async function inOrder<T, R>(
	items: readonly T[],
	options: { readonly concurrency: number; readonly window?: number; readonly stop?: () => boolean },
	work: (item: T) => Promise<R>,
	emit: (result: R, item: T) => void,
): Promise<void> {
	const window = Math.max(options.window ?? options.concurrency * 16, options.concurrency);
	const ready = new Map<number, R>();
	const waiting: (() => void)[] = [];
	let started = 0;
	let emitted = 0;
	const worker = async () => {
		while (started < items.length && !options.stop?.()) {
			// Something between emitted and started is still under way: its end wakes us.
			if (started - emitted >= window) {
				await new Promise<void>((resolve) => waiting.push(resolve));
				continue;
			}
			const index = started++;
			ready.set(index, await work(items[index] as T));
			while (ready.has(emitted)) {
				const result = ready.get(emitted) as R;
				ready.delete(emitted);
				emit(result, items[emitted] as T);
				emitted++;
			}
			for (const wake of waiting.splice(0)) wake();
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
}
