// The token lives in sessionStorage only: it is gone when the tab closes, and never written
// to localStorage, a cookie or the URL.

const TOKEN_KEY = 'auditseal.viewer.token'

export interface TokenStore {
  load(): string | undefined
  save(token: string): void
  clear(): void
}

export function sessionTokenStore(storage: Storage = sessionStorage): TokenStore {
  return {
    load: () => storage.getItem(TOKEN_KEY) ?? undefined,
    save: (token) => storage.setItem(TOKEN_KEY, token),
    clear: () => storage.removeItem(TOKEN_KEY),
  }
}
