// JSON numbers a body may hold only if they arrive exactly. JSON.parse reads every number as
// an IEEE 754 double: 18446744073709551616 becomes 18446744073709552000, 1e-400 becomes 0, and
// the log would seal — and sign — a value the client never sent (a 64-bit id, silently
// changed). A number whose shortest double form has another decimal value than the text sent
// is refused instead; 1.0, 1e2 and 0.1 are the values they say, and pass.

/**
 * Only a number with 16 or more digits or an exponent can be inexact, and a number starts after
 * `:`, `[` or `,`: a body with no such text (nearly every one) skips the scan. Text in strings
 * may match too; the scan then finds nothing.
 */
const MAYBE_INEXACT = /[:[,]\s*-?(?:(?:\d\.?){16}|[\d.]+[eE])/

/** The first number token of the JSON text `text` that a double cannot carry exactly. */
export function inexactNumber(text: string): string | undefined {
  if (!MAYBE_INEXACT.test(text)) return undefined
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // Skip the string, escapes included (the text is valid JSON: it was parsed already).
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i)
        if (d === BACKSLASH) i++
        else if (d === QUOTE) break
      }
      i++
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const start = i
      for (i++; i < n && isNumberChar(text.charCodeAt(i)); i++);
      const token = text.slice(start, i)
      if (!isExact(token)) return token
    } else {
      i++
    }
  }
  return undefined
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

function isNumberChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === DOT || c === MINUS || c === PLUS || (c | 0x20) === 0x65
}

/** Whether the double `token` parses to has the decimal value `token` says. */
function isExact(token: string): boolean {
  const value = Number(token)
  // Beyond a double's range: Infinity, which the event validator refuses naming the member.
  if (!Number.isFinite(value)) return true
  return decimalValue(token) === decimalValue(String(value))
}

/**
 * A number's decimal value in one spelling, `<sign><digits>e<exponent>` with no leading or
 * trailing zeros in the digits (`0` for zero of either sign): `1.50e1` and `15` are both `15e0`.
 */
function decimalValue(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match
  const all = `${whole}${fraction}`
  const leading = all.length - all.replace(/^0+/, '').length
  const digits = all.slice(leading).replace(/0+$/, '')
  if (digits === '') return '0'
  // The value is 0.<all> × 10^(whole.length + exponent); keep the point after the first digit.
  const scale = whole.length + Number(exponent) - leading - 1
  return `${sign}${digits}e${scale}`
}
