// One-line hints for the permission errors a deployment on PostgreSQL meets (docs/storage.md,
// Deploying on a PostgreSQL server): PostgreSQL names what was refused, not what to grant.

import type { Command } from 'commander'

/**
 * The common permission problems of a deployment (docs/storage.md, Roles), each with what to
 * do about it. PostgreSQL reports them as 42501 insufficient_privilege; `login` is the user of
 * the command's database URL.
 */
const PERMISSION_HINTS: readonly {
  message: RegExp
  /** Only for these commands (default: any). */
  commands?: readonly string[]
  hint(login: string): string
}[] = [
  {
    message: /^permission denied to set role "auditseal_(writer|reader)"$/,
    // The login may be the migrating or the auditor login, run by mistake: granting it the
    // roles would work and undo the separation docs/storage.md sets up, so the hint says so.
    hint: (login) =>
      `run it as the application login; if ${login} is that login: GRANT auditseal_writer, ` +
      `auditseal_reader TO ${login} (never to the migrating or the auditor login)`,
  },
  {
    // The login does not own the database (it may not create the schema) or the schema.
    message: /^permission denied for (schema auditseal|database .+)$/,
    commands: ['migrate'],
    hint: () => 'run auditseal migrate as the database owner (or a superuser)',
  },
  {
    // 0001_roles: creating the roles, or granting auditseal_owner to the migrating login
    // (PostgreSQL 15 says the former, 16 and later the latter).
    message:
      /^(permission denied to create role|must have admin option on role "auditseal_owner"|permission denied to grant role "auditseal_owner")$/,
    // Roles made beforehand serve only once the login is a member of auditseal_owner.
    hint: (login) =>
      `the migrating login needs CREATEROLE (ALTER ROLE ${login} CREATEROLE), or create the ` +
      `three roles beforehand as a superuser and GRANT auditseal_owner TO ${login} (see ` +
      'docs/storage.md)',
  },
]

/** A one-line hint for a known permission error (or one it was caused by); else undefined. */
export function permissionHint(error: unknown, command: Command | undefined): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code !== '42501') continue
    const message = e.message
    const known = PERMISSION_HINTS.find(
      (h) =>
        h.message.test(message) &&
        (h.commands === undefined || h.commands.includes(command?.name() ?? '')),
    )
    if (known !== undefined) return known.hint(loginOf(command))
  }
  return undefined
}

/** The user of the command's database URL (flag or DATABASE_URL), as an SQL identifier. */
function loginOf(command: Command | undefined): string {
  const url = (command?.opts() as { databaseUrl?: unknown } | undefined)?.databaseUrl
  const text = typeof url === 'string' ? url : process.env.DATABASE_URL
  let user = ''
  try {
    user = decodeURIComponent(new URL(text ?? '').username)
  } catch {
    // no URL, or not one: the placeholder below
  }
  if (user === '') return '<login>'
  return /^[a-z_][a-z0-9_$]*$/.test(user) ? user : `"${user.replaceAll('"', '""')}"`
}
