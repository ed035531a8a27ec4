/**
 * Keys typed at the HUD, from the bytes a terminal in raw mode sends. Printable keys and control
 * characters (Ctrl-C is '\x03') stay as they are; escape sequences become the names the DOM uses for them
 * (`ArrowUp`, `PageDown`, `Home`, …), which are longer than one character so they never clash with a
 * typed one. A sequence split across two reads comes out as `Escape` and plain characters: a keypress is
 * a few bytes written at once, so terminals do not split them in practice.
 */

export type NamedKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight' | 'PageUp' | 'PageDown' | 'Home' | 'End' | 'Escape' | 'Unidentified';

/** By the final letter of `ESC [ … X` or `ESC O X` (xterm, and application cursor mode). */
const BY_LETTER: Readonly<Record<string, NamedKey>> = { A: 'ArrowUp', B: 'ArrowDown', C: 'ArrowRight', D: 'ArrowLeft', H: 'Home', F: 'End' };
/** By the number of `ESC [ n ~` (vt220, rxvt, the Linux console). */
const BY_NUMBER: Readonly<Record<string, NamedKey>> = { '1': 'Home', '7': 'Home', '4': 'End', '8': 'End', '5': 'PageUp', '6': 'PageDown' };

export function parseKeys(data: string): string[] {
  const chars = Array.from(data);
  const keys: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (c !== '\x1b' || (next !== '[' && next !== 'O')) {
      keys.push(c === '\x1b' ? 'Escape' : c);
      continue;
    }
    // CSI (`ESC [`, then parameters, then a final byte in @–~) or SS3 (`ESC O` and one letter).
    let end = i + 2;
    if (next === '[') while (end < chars.length && /[0-9;]/.test(chars[end]!)) end++;
    const final = chars[end];
    if (final === undefined) {
      keys.push('Escape', ...chars.slice(i + 1));
      break;
    }
    const params = chars.slice(i + 2, end).join('');
    keys.push((final === '~' ? BY_NUMBER[params.split(';')[0]!] : BY_LETTER[final]) ?? 'Unidentified');
    i = end;
  }
  return keys;
}
