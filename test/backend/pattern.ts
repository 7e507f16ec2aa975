/** The byte every test writes at `position`, so any byte read back can be checked alone. */
export function patternAt(position: number): number {
  return (position * 31 + 7 + Math.floor(position / 251)) & 0xff;
}

export function pattern(start: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = patternAt(start + i);
  return b;
}
