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
import { permissionHint } from './cli/permission-hints.js'
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
