/** Types of chance.mjs. */
export declare function chance(seed: number, ...parts: Array<string | number>): number;
