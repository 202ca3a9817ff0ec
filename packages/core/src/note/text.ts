// Character rules shared by signed notes, key names and checkpoints.

/**
 * noteTextProblem says why `text` may not appear in a signed note, or returns undefined if it
 * may. c2sp.org/signed-note §Format: "Signed notes MUST be valid UTF-8 and MUST NOT contain
 * any ASCII control characters (those below U+0020) other than newline."
 *
 * A JavaScript string is UTF-16, so "valid UTF-8" means "no unpaired surrogate": TextEncoder
 * would silently turn one into U+FFFD, and the bytes signed would not be the text we were
 * given.
 */
export function noteTextProblem(text: string, allowNewline = true): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x20 && !(unit === 0x0a && allowNewline)) {
      return `contains the control character U+${hex4(unit)} at offset ${i}`
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1) // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return `is not valid UTF-8 (offset ${i})`
      i++ // a well-formed pair
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return `is not valid UTF-8 (offset ${i})`
    }
  }
  return undefined
}

/** True if `text` is well-formed UTF-16, i.e. encodes to UTF-8 without loss. */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      i++
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false
    }
  }
  return true
}

/**
 * A short, quoted rendering of attacker-controlled text for error messages, so a 1 MB line
 * does not become a 1 MB message. Never pass secret material (private keys) to it.
 */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text)
}

function hex4(unit: number): string {
  return unit.toString(16).toUpperCase().padStart(4, '0')
}
