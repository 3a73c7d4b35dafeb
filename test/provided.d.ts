// Values vitest.config.ts hands to the tests (`inject`).
declare module "vitest" {
	export interface ProvidedContext {
		/** Sequences per model-based property (MODEL_RUNS). */
		modelRuns: number;
		/** Replays a reported failure (MODEL_SEED). */
		modelSeed: number | undefined;
	}
}
export {};
