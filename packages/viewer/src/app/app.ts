// The viewer's lifecycle: signed out (the token form) or signed in (the workspace).

import { ApiError } from '../api/api-error.js'
import { ApiClient } from '../api/client.js'
import { CredentialError, isExpired, parseCredential } from '../state/credential.js'
import { sessionTokenStore } from '../state/token-store.js'
import { signInView } from '../ui/sign-in.js'
import { replaceChildren } from '../ui/dom.js'
import { startupFailureView, startupFailureOf } from '../ui/startup-failure.js'
import { TrustStore } from '../verify/trust-store.js'
import { mountWorkspace } from './workspace.js'

export function startViewer(root: HTMLElement): void {
  const tokens = sessionTokenStore()
  const trust = new TrustStore()
  let unmount: (() => void) | undefined

  const signOut = (message?: string) => {
    tokens.clear()
    unmount?.()
    unmount = undefined
    showSignIn(message)
  }

  const signIn = async (input: string): Promise<void> => {
    const credential = parseCredential(input)
    if (isExpired(credential)) throw new CredentialError('This JWT has expired.')
    const api = new ApiClient(credential.token)
    let log
    try {
      log = await api.log()
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        throw new CredentialError(`The server did not accept this token: ${error.message}`)
      }
      if (error instanceof ApiError && error.status === 403) {
        throw new CredentialError(
          `This token may not read the log (an API key needs the read or admin scope, a JWT ` +
            `the auditor or admin role): ${error.message}`,
        )
      }
      throw error
    }
    tokens.save(credential.token)
    document.title = 'Events · auditseal'
    unmount = mountWorkspace(root, {
      api,
      credential,
      log,
      trust,
      onSignOut: () => signOut(),
      onUnauthorized: (error) =>
        signOut(`Signed out: the server no longer accepts the token (${error.message}).`),
    })
  }

  function showSignIn(message?: string): void {
    document.title = 'Sign in · auditseal'
    replaceChildren(
      root,
      signInView({ ...(message !== undefined && { message }), onSignIn: signIn }),
    )
  }

  /**
   * Signs in again with the token saved in this tab. Only a token the server (or the viewer)
   * rejects is forgotten; a server that is restarting or failing, or a network that is down,
   * is no reason to sign the person out, so the token is kept and Retry offered, with what
   * actually went wrong: no answer, a 503, another error status, or an answer not the API's.
   */
  function resume(token: string): void {
    signIn(token).catch((error: unknown) => {
      if (error instanceof CredentialError) {
        signOut(error.message)
        return
      }
      const failure = startupFailureOf(error)
      replaceChildren(
        root,
        startupFailureView({
          failure,
          onRetry: () => resume(token),
          onSignOut: () => signOut(),
        }),
      )
      document.title = `${failure.title} · auditseal`
    })
  }

  const saved = tokens.load()
  if (saved === undefined) showSignIn()
  else resume(saved)
}
