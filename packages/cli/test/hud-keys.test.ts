import { describe, expect, it } from 'vitest';
import { parseKeys } from '../src/hud-keys';

describe('parseKeys', () => {
  it('keeps typed characters and control characters as they are', () => {
    expect(parseKeys('qh?\x03')).toEqual(['q', 'h', '?', '\x03']);
    expect(parseKeys('é😀')).toEqual(['é', '😀']);
  });

  it('names the arrows, pages, Home and End of xterm, application mode and vt220 terminals', () => {
    expect(parseKeys('\x1b[A\x1b[B\x1b[C\x1b[D')).toEqual(['ArrowUp', 'ArrowDown', 'ArrowRight', 'ArrowLeft']);
    expect(parseKeys('\x1bOA\x1bOB\x1bOH\x1bOF')).toEqual(['ArrowUp', 'ArrowDown', 'Home', 'End']);
    expect(parseKeys('\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[7~\x1b[8~')).toEqual(['PageUp', 'PageDown', 'Home', 'End', 'Home', 'End', 'Home', 'End']);
    // With a modifier (Ctrl-Up, Shift-PgDn).
    expect(parseKeys('\x1b[1;5A\x1b[6;2~')).toEqual(['ArrowUp', 'PageDown']);
  });

  it('reads several keys sent at once, and tells unknown sequences and a lone Escape apart', () => {
    expect(parseKeys('j\x1b[Bk')).toEqual(['j', 'ArrowDown', 'k']);
    expect(parseKeys('\x1b[2~\x1b[15~')).toEqual(['Unidentified', 'Unidentified']);
    expect(parseKeys('\x1b')).toEqual(['Escape']);
    expect(parseKeys('\x1bq')).toEqual(['Escape', 'q']);
    // Cut short: what came is kept, so that q in it still counts.
    expect(parseKeys('\x1b[')).toEqual(['Escape', '[']);
  });
});
