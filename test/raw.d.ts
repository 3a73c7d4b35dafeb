// Vite imports a file as text with `?raw` (test/config.test.ts reads src/config.ts so).
declare module "*?raw" {
	const text: string;
	export default text;
}
