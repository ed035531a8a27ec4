/** Types of fib.mjs (plain JavaScript, shared by the raw tinypool worker and the Minigun pipelines). */
export declare function fib(n: number): number;
export declare function inc(n: number): number;
