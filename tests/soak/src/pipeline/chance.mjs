// A decision's draw in [0, 1): a hash of the round's seed and the decision's names (stage, input, attempt,
// what is decided). The same names give the same draw in every process and thread, so the decisions of a
// round replay from its seed whatever worker an attempt lands on. Plain JavaScript: workers and children
// import it without a TypeScript loader.

/** FNV-1a over the text of `parts`, mixed with `seed`, then the murmur3 finaliser; divided into [0, 1). */
export function chance(seed, ...parts) {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const text = parts.join(':');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
