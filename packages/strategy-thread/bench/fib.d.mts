/** Types of fib.mjs (plain JavaScript, shared by the raw workers and the Minigun pipelines). */
export declare function fib(n: number): number;
export declare function inc(n: number): number;
export declare function hashFile(path: string): Promise<number>;
