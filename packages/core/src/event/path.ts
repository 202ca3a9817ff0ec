// Issue paths in JavaScript accessor syntax, so a reader can paste one into a debugger:
// `actor.type`, `data.items[2]`, `data["a.b"]`; the event itself is the empty path.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The path of member `key` of the value at `parent`. */
export function memberPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`
  // JSON.stringify quotes and escapes anything else, lone surrogates included (as \udxxx).
  return `${parent}[${JSON.stringify(key)}]`
}

/** The path of element `index` of the array at `parent`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`
}
