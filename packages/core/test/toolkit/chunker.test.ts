import { describe, expect, it } from 'vitest';
import { AdaptiveChunker } from '@minigun/core/toolkit';

describe('AdaptiveChunker', () => {
  it('sends one input at a time until a chunk has been measured', () => {
    const c = new AdaptiveChunker(100);
    expect(c.preferred()).toBe(1);
    expect(c.next(1000, 1)).toBe(1);
    expect(c.next(1000, 8)).toBe(1);
  });

  it('prefers chunks that carry about targetMs of work (default 5 ms)', () => {
    const c = new AdaptiveChunker(1000);
    c.record(10, 5); // 0.5 ms per input
    expect(c.preferred()).toBe(10);
    const slower = new AdaptiveChunker(1000, 50);
    slower.record(10, 5); // same cost, ten times the target
    expect(slower.preferred()).toBe(100);
  });

  it('goes back to one input at a time when inputs take longer than the target', () => {
    const c = new AdaptiveChunker(100);
    c.record(1, 200);
    expect(c.preferred()).toBe(1);
    expect(c.next(500, 1)).toBe(1);
  });

  it('never prefers more than maxChunk, even for inputs that take no measurable time', () => {
    const c = new AdaptiveChunker(16);
    c.record(1000, 0);
    expect(c.preferred()).toBe(16);
    expect(c.next(1000, 1)).toBe(16);
  });

  it('never prefers less than one, whatever maxChunk or the measurements say', () => {
    const zero = new AdaptiveChunker(0);
    zero.record(10, 0);
    expect(zero.preferred()).toBe(1);
    expect(zero.next(10, 1)).toBe(1);
    const c = new AdaptiveChunker(10);
    c.record(1, 1e9);
    expect(c.preferred()).toBe(1);
  });

  it('counts a chunk of zero inputs as one (no division by zero)', () => {
    const c = new AdaptiveChunker(1000);
    c.record(0, 1); // 1 ms for "one" input
    expect(c.preferred()).toBe(5);
  });

  it('smooths the cost over recent chunks instead of following the last one', () => {
    const c = new AdaptiveChunker(1000);
    c.record(1, 1); // 1 ms per input: 5
    expect(c.preferred()).toBe(5);
    c.record(10, 1); // 0.1 ms per input; smoothed 0.7 * 1 + 0.3 * 0.1 = 0.73 ms: floor(5 / 0.73) = 6
    expect(c.preferred()).toBe(6);
    for (let i = 0; i < 60; i++) c.record(10, 1);
    // Converges to the steady cost (0.1 ms: 50); floating point may leave it a hair above.
    expect(c.preferred()).toBeGreaterThanOrEqual(49);
    expect(c.preferred()).toBeLessThanOrEqual(50);
  });

  it('one slow chunk among fast ones pulls the chunk size down at once', () => {
    const c = new AdaptiveChunker(1000);
    for (let i = 0; i < 20; i++) c.record(100, 10); // 0.1 ms per input
    const fast = c.preferred();
    c.record(1, 20); // one input of 20 ms
    expect(c.preferred()).toBeLessThan(fast / 10);
  });

  it('splits the queue fairly over the free workers, up to the preferred size', () => {
    const c = new AdaptiveChunker(1000);
    c.record(100, 5); // 0.05 ms per input: 100
    expect(c.preferred()).toBe(100);
    expect(c.next(20, 4)).toBe(5);
    expect(c.next(21, 4)).toBe(6); // rounds up: no input left over for a fifth message
    expect(c.next(1000, 4)).toBe(100);
    expect(c.next(3, 0)).toBe(3); // no free worker counts as one
    expect(c.next(0, 2)).toBe(1); // never 0
  });
});
