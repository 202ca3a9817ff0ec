// A tiny element builder. Text always goes in as text nodes, never as HTML: every string the
// viewer shows came from the log, and the log holds whatever producers sent.

export type Child = Node | string | number | null | undefined | false
type Handler = (event: Event) => void
export type Attrs = Readonly<Record<string, string | number | boolean | Handler | undefined>>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: ReadonlyArray<Child | readonly Child[]>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, '').toLowerCase(), value)
    } else if (value === true) {
      element.setAttribute(name, '')
    } else {
      element.setAttribute(name, String(value))
    }
  }
  append(element, children)
  return element
}

export function append(parent: Node, children: ReadonlyArray<Child | readonly Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replaces all of `parent`'s children. */
export function replaceChildren(
  parent: Element,
  ...children: ReadonlyArray<Child | readonly Child[]>
): void {
  parent.replaceChildren()
  append(parent, children)
}

/** Announces `message` to screen readers through a polite live region. */
export function announce(region: Element, message: string): void {
  region.textContent = ''
  // A new text node after clearing makes assistive technology read it again.
  requestAnimationFrame(() => {
    region.textContent = message
  })
}
