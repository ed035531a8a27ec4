/** Types of journal.mjs. */
export interface OpenAttempt {
  readonly n: number;
  readonly path: string;
}
export type AttemptOutcome = 'returned' | 'threw' | 'exit';
export interface JournalEntry {
  readonly stage: string;
  readonly key: number;
  readonly n: number;
  readonly pid: number;
  readonly threadId: number;
  readonly outcome?: AttemptOutcome;
}
export declare function beginAttempt(dir: string, stage: string, key: number, threadId: number): OpenAttempt;
export declare function endAttempt(attempt: OpenAttempt, outcome: AttemptOutcome): void;
export declare function readJournal(dir: string): JournalEntry[];
