// Values vitest.config.ts hands to the tests (`inject`).
declare module "vitest" {
	export interface ProvidedContext {
		/** Sequences per model-based property (MODEL_RUNS). */
		modelRuns: number;
		/** Replays a reported failure (MODEL_SEED, MODEL_PATH). */
		modelSeed: number | undefined;
		modelPath: string | undefined;
	}
}
export {};
