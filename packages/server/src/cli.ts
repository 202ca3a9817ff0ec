#!/usr/bin/env node
// The `auditseal` command line. Each command is a thin wrapper that parses flags and calls
// one function; the work lives in the modules it names.
import { Command, CommanderError, Option } from 'commander'
import { registerApiKey } from './cli/api-key.js'
import { runKeygen } from './cli/keygen.js'
import { registerServe } from './cli/serve.js'
import { registerToken } from './cli/token.js'
import { registerVerify } from './cli/verify.js'
import { registerExport } from './cli/export.js'
import { registerCheckpoint } from './cli/checkpoint.js'
import { runMigrateCommand } from './migrate.js'

/** The command being run, for the hint of an error it throws. */
let running: Command | undefined

const program = new Command()
  .name('auditseal')
  .description('A tamper-evident, multi-tenant audit log.')
  .showHelpAfterError()
  // Usage errors exit 2, like every auditseal command's I/O and usage failures.
  .exitOverride()
  .hook('preAction', (_program, command) => {
    running = command
  })

program
  .command('migrate')
  .description(
    'Apply pending schema migrations to a PostgreSQL database. Run it as the database owner ' +
      '(or a superuser): it creates the auditseal schema and the auditseal_owner, ' +
      'auditseal_writer and auditseal_reader roles.',
  )
  .addOption(
    new Option('--database-url <url>', 'PostgreSQL URL of the primary')
      .env('DATABASE_URL')
      .makeOptionMandatory(),
  )
  .action(async (options: { databaseUrl: string }, command: Command) => {
    await runMigrateCommand({
      databaseUrl: options.databaseUrl,
      databaseUrlFrom:
        command.getOptionValueSource('databaseUrl') === 'env' ? 'DATABASE_URL' : '--database-url',
    })
  })

program
  .command('keygen')
  .description(
    'Create a new Ed25519 signing key for a log. Its verifier key is printed; each ' +
      "tenant's log has its own verifier key derived from it, named <log name>/<tenant id>.",
  )
  .requiredOption('--name <name>', 'the log name (no spaces, no "+"), e.g. auditseal.local')
  .option('--out <file>', 'write the private key to this file (mode 0600) instead of printing it')
  .action(async (options: { name: string; out?: string }) => {
    await runKeygen(options)
  })

registerServe(program)
registerApiKey(program)
registerToken(program)
registerVerify(program)
registerExport(program)
registerCheckpoint(program)

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
    hint: (login) =>
      `grant the roles to the login: GRANT auditseal_writer, auditseal_reader TO ${login}`,
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
function permissionHint(error: unknown, command: Command | undefined): string | undefined {
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

try {
  await program.parseAsync()
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has already printed the message (or the help text).
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else {
    process.stderr.write(`auditseal: ${error instanceof Error ? error.message : String(error)}\n`)
    const hint = permissionHint(error, running)
    if (hint !== undefined) process.stderr.write(`auditseal: hint: ${hint}\n`)
    process.exitCode = 2
  }
}
