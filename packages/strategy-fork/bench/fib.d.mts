/** Types of fib.mjs (plain JavaScript, shared by the raw baselines and the Minigun pipelines). */
export declare function fib(n: number): number;
export declare function inc(n: number): number;
export declare function sleepInc(n: number, ms: number): Promise<number>;
