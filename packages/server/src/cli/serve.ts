// `auditseal serve`: flags → loadConfig → startServer, then wait for SIGTERM or SIGINT and
// shut down gracefully (exit 0; 1 if audit events were lost). A second signal exits at once.

import type { Command } from 'commander'
import { loadConfig } from '../config/load.js'
import type { ConfigFlags } from '../config/load.js'

const ENVIRONMENT_HELP = `
Each flag can also be set in the environment (the flag wins):
  --port                    AUDITSEAL_PORT                     default 3000
  --host                    AUDITSEAL_HOST                     default 127.0.0.1
  --data-dir                AUDITSEAL_DATA_DIR                 default ./.auditseal
  --database-url            DATABASE_URL                       default: embedded PGlite in the data dir
  --read-database-url       DATABASE_READ_URL                  default: reads go to the primary
  --log-name                AUDITSEAL_LOG_NAME                 default auditseal.local
  --signing-key-file        AUDITSEAL_SIGNING_KEY_FILE         default <data dir>/signing.key
  --checkpoint-dir          AUDITSEAL_CHECKPOINT_DIR           default: none
  --checkpoint-interval-ms  AUDITSEAL_CHECKPOINT_INTERVAL_MS   default 1000
  --log-level               AUDITSEAL_LOG_LEVEL                default info
  --trust-proxy             AUDITSEAL_TRUST_PROXY              default: none (X-Forwarded-For ignored)
Environment only:
  AUDITSEAL_JWT_SECRET (HS256, development; default: generated into <data dir>/jwt.secret),
  AUDITSEAL_JWT_JWKS_URL + AUDITSEAL_JWT_ISSUER + AUDITSEAL_JWT_AUDIENCE (production),
  AUDITSEAL_JWT_TENANT_CLAIM (default tenant_id), AUDITSEAL_JWT_MAX_AGE_S (default: none),
  AUDITSEAL_RATE_LIMIT_MAX (default 6000),
  AUDITSEAL_RATE_LIMIT_WINDOW_MS (default 60000), AUDITSEAL_BODY_LIMIT_BYTES (default 4194304).
See docs/operations.md.`

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the whole system: the audit API, the device gateway and the viewer. Uses an ' +
        'embedded PostgreSQL (PGlite) in ./.auditseal unless --database-url names a server; ' +
        "creates the signing key on first start; prints the URL and each log's verifier key. " +
        'SIGTERM or SIGINT shuts it down gracefully.',
    )
    .option('--port <port>', 'TCP port to listen on (0: any free port)')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)')
    .option('--data-dir <dir>', 'embedded database, signing key and development JWT secret')
    .option('--database-url <url>', 'PostgreSQL primary (postgres://user@host:5432/db)')
    .option('--read-database-url <url>', 'PostgreSQL replica for reads (needs --database-url)')
    .option('--log-name <name>', 'log name in every origin <log name>/<tenant> (no spaces, no "+")')
    .option('--signing-key-file <file>', 'the Ed25519 signing key (created if missing, mode 0600)')
    .option('--checkpoint-dir <dir>', 'also write every checkpoint to <dir>/<tenant>/<size>')
    .option('--checkpoint-interval-ms <ms>', 'how often grown logs get a signed checkpoint')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option(
      '--trust-proxy <addresses>',
      'proxies whose X-Forwarded-For gives the client address: IPs or CIDR ranges, comma-separated',
    )
    .addHelpText('after', ENVIRONMENT_HELP)
    .action(async (flags: ConfigFlags) => {
      await runServe(flags)
    })
}

/** Starts the server and resolves once it has shut down after a signal. */
export async function runServe(flags: ConfigFlags, env = process.env): Promise<void> {
  const config = loadConfig(flags, env)
  // Loaded on use, so that the other commands do not pay for the server's modules.
  const { startServer } = await import('../serve.js')
  const server = await startServer(config)
  await new Promise<void>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`auditseal: ${signal} again; exiting without finishing shutdown\n`)
        process.exit(1)
      }
      stopping = true
      process.stderr.write(`auditseal: ${signal} received; shutting down\n`)
      server.close().then(
        () => {
          process.exitCode = 0
          resolve()
        },
        (error: unknown) => {
          process.stderr.write(
            `auditseal: ${error instanceof Error ? error.message : String(error)}\n`,
          )
          process.exitCode = 1
          resolve()
        },
      )
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
  // Everything is closed; should a library still hold the event loop open, do not hang.
  setTimeout(() => process.exit(), 2000).unref()
}
