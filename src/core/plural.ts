/** "1 client", "2 clients": a count with its noun, for messages and tables. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
