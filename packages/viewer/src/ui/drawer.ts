import { h, replaceChildren } from './dom.js'
import type { Child } from './dom.js'

export interface Drawer {
  readonly element: HTMLDialogElement
  /** Opens (or keeps open) the drawer with `title` and `content`. */
  show(title: string, ...content: Child[]): void
  close(): void
  readonly isOpen: boolean
}

/**
 * A modal side panel on a native <dialog>: the browser traps focus inside it, Escape closes
 * it, and the page behind is inert. `onClosed` runs however it was closed.
 */
export function drawer(onClosed: () => void): Drawer {
  const title = h('h2', { id: 'drawer-title', tabindex: -1 })
  const body = h('div', { class: 'drawer-body' })
  const element = h(
    'dialog',
    { class: 'drawer', 'aria-labelledby': 'drawer-title' },
    h(
      'div',
      { class: 'drawer-head' },
      title,
      h(
        'button',
        {
          type: 'button',
          class: 'close',
          'aria-label': 'Close the event',
          onclick: () => element.close(),
        },
        'Close',
      ),
    ),
    body,
  )
  element.addEventListener('close', onClosed)
  // A click on the backdrop (the dialog box itself, outside its content) closes it.
  element.addEventListener('click', (event) => {
    if (event.target === element) element.close()
  })
  return {
    element,
    show(text, ...content) {
      title.textContent = text
      replaceChildren(body, content)
      if (!element.open) element.showModal()
      title.focus()
    },
    close() {
      if (element.open) element.close()
    },
    get isOpen() {
      return element.open
    },
  }
}
