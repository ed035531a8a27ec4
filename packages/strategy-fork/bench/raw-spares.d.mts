/** Types of raw-spares.mjs (plain JavaScript, run by the bench under plain node). */
export declare function rawSpares(o: { count: number; lanes: number; spares: number; ms: number; execArgv: string[]; env: NodeJS.ProcessEnv }): Promise<number>;
