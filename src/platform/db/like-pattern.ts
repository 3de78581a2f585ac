/** LIKE pattern for a literal substring search (docs/input.md#lists-sorting-and-search): %, _ and \ match themselves. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
