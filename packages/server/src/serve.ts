// `auditseal serve`: the whole system in one process — store, sealer, checkpointer, the HTTP
// API, the device gateway (auditing through the SDK's durable spool and its in-process
// transport) and the viewer.
//
// Start: open the store (PGlite in the data dir, or PostgreSQL with an optional replica),
// connect to each database, migrate (or, for a login that may not, refuse a database nobody
// migrated), check the login can act as writer and reader; load or create the signing key;
// build the app and the gateway; listen; print.
// close(): stop accepting and finish in-flight requests, seal what the audit spool holds
// (what the log cannot take now stays spooled for the next start),
// sign final checkpoints, close the databases — in that order, so the last checkpoints cover
// every event of the last requests.

import { join } from 'node:path'
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify'
import { DurableSink } from './audit-queue/durable-sink.js'
import type { AuditSink } from './audit-queue/sink.js'
import { SpoolLockedError } from '@auditseal/sdk'
import { ConfigError } from './config/errors.js'
import { ensureJwtSecret } from './config/jwt-secret.js'
import type { ServerConfig } from './config/types.js'
import { nodeCrypto } from './crypto/node-crypto.js'
import type { Database, Store } from './db/database.js'
import { DbError } from './db/errors.js'
import { databaseAddress } from './db/postgres.js'
import { openStore } from './db/store.js'
import type { AuthAuditOptions } from './gateway/auth-audit.js'
import { AuthFailureAuditor } from './gateway/auth-audit.js'
import { registerGateway } from './gateway/index.js'
import { buildApp } from './http/index.js'
import { bannerLines } from './server/banner.js'
import { listLogTenants } from './server/log-tenants.js'
import { migrateOnStart } from './server/migrate-on-start.js'
import { registerSinkMetrics } from './server/sink-metrics.js'
import { checkCheckpointDir } from './server/checkpoint-dir.js'
import { loadOrCreateSigningKey } from './server/signing-key.js'
import { listenUrl } from './server/url.js'
import { registerViewer } from './server/viewer.js'
import { AuditLog } from './store/audit-log.js'
import type { Checkpointer } from './store/checkpointer.js'

export interface StartOptions {
  /** The audit sink of the gateway (default: the SDK's durable spool into the log's sealer). */
  sink?: (log: AuditLog) => AuditSink
  /** Fastify's logger options (default: pino at config.logLevel on standard output). */
  logger?: FastifyServerOptions['logger']
  /** Where the start-up banner goes, as one text of several lines (default: standard output). */
  print?: (line: string) => void
  authAudit?: AuthAuditOptions
}

export interface RunningServer {
  url: string
  app: FastifyInstance
  log: AuditLog
  sink: AuditSink
  /** Graceful shutdown; safe to call more than once. Rejects if audit events were lost. */
  close(): Promise<void>
}

const BANNER_TENANTS = 1000

export async function startServer(
  initial: ServerConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  if (initial.checkpointDir !== undefined) await checkCheckpointDir(initial.checkpointDir)
  const { config, developmentSecret } = await ensureJwtSecret(initial)
  const print = options.print ?? ((text: string) => process.stdout.write(`${text}\n`))

  const store = await openStore({
    ...(config.databaseUrl !== undefined && { writeUrl: config.databaseUrl }),
    ...(config.readDatabaseUrl !== undefined && { readUrl: config.readDatabaseUrl }),
    dataDir: config.dataDir,
    migrate: false, // below, where a login that may not migrate is told, not stopped
    applicationName: 'auditseal serve',
  })
  let app: FastifyInstance | undefined
  let sink: AuditSink | undefined
  let checkpointer: Checkpointer | undefined
  let authAuditor: AuthFailureAuditor | undefined
  try {
    await checkConnections(store, config)
    const migrations = await migrateOnStart(store)
    await checkRoles(store)
    const signingKey = await loadOrCreateSigningKey(config.signingKeyFile, config.logName, {
      logHoldsEvents: (await listLogTenants(store.write, 1)).length > 0,
    })
    const log = new AuditLog({
      store,
      crypto: nodeCrypto,
      logName: config.logName,
      signingSeed: signingKey.key.seed,
      checkpoints: {
        intervalMs: config.checkpointIntervalMs,
        ...(config.checkpointDir !== undefined && { checkpointDir: config.checkpointDir }),
        onError: (error) => app?.log.error({ err: error }, 'checkpoint failed'),
        // The app (and its metrics) exists before the checkpointer starts signing.
        onSigned: (checkpoint) =>
          app?.auditsealMetrics?.observeCheckpoint(checkpoint.tenantId, new Date()),
      },
    })
    // The sink reports through the app's logger, which exists before the first event.
    sink = options.sink?.(log) ?? durableSink(log, config.dataDir, () => app?.log)
    authAuditor = new AuthFailureAuditor(sink, options.authAudit)
    app = await buildApp({
      config,
      store,
      log,
      logger: options.logger ?? { level: config.logLevel },
      onAuthFailure: authAuditor.record,
    })
    const logger = app.log
    await registerGateway(app, { db: store.write, sink })
    const viewer = await registerViewer(app)
    registerSinkMetrics(app, sink, authAuditor)

    checkpointer = log.checkpointer
    checkpointer.start()

    await app.listen({ port: config.port, host: config.host })
    const url = listenUrl(app.server.address(), config.host)
    const tenants = await listLogTenants(store.read, BANNER_TENANTS)
    const banner = bannerLines({
      url,
      config,
      signingKey,
      keys: log.keys,
      tenants,
      tenantsTruncated: tenants.length >= BANNER_TENANTS,
      viewer,
      developmentSecret,
      migrations,
    })
    print(banner.join('\n')) // one write: a reader of the pipe sees the banner whole

    const parts = { app, authAuditor, sink, checkpointer, store, logger }
    let closing: Promise<void> | undefined
    return { url, app, log, sink, close: () => (closing ??= shutdown(parts)) }
  } catch (error) {
    // Undo what was started, in shutdown order, and fail with the reason it did not start.
    await app?.close().catch(() => {})
    authAuditor?.close()
    await sink?.close().catch(() => {})
    await checkpointer?.stop().catch(() => {})
    await store.close().catch(() => {})
    throw error
  }
}

/**
 * checkConnections connects to each PostgreSQL database once before anything else, so that
 * a failure names the URL that failed (the read URL is otherwise first used after listening).
 */
async function checkConnections(store: Store, config: ServerConfig): Promise<void> {
  if (config.databaseUrl === undefined) return // the embedded database is open already
  await connectOrExplain(store.write, 'the primary (--database-url)', config.databaseUrl)
  if (config.readDatabaseUrl !== undefined && store.read !== store.write) {
    await connectOrExplain(
      store.read,
      'the read database (--read-database-url)',
      config.readDatabaseUrl,
    )
  }
}

async function connectOrExplain(db: Database, which: string, url: string): Promise<void> {
  try {
    await db.adminQuery('SELECT 1')
  } catch (error) {
    throw new DbError(
      'DATABASE_UNREACHABLE',
      `cannot connect to ${which} at ${databaseAddress(url)}: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

/**
 * checkRoles fails, before listening, for a login that cannot become the writer and the
 * reader (the migrating owner, say): it would fail every request.
 */
async function checkRoles(store: Store): Promise<void> {
  await store.write.roleTransaction('writer', async () => {})
  await store.read.roleTransaction('reader', async () => {})
}

/** The gateway's events go through the SDK's durable spool in `<dataDir>/audit-spool`. */
const AUDIT_SPOOL_DIR = 'audit-spool'

function durableSink(
  log: AuditLog,
  dataDir: string,
  logger: () => FastifyBaseLogger | undefined,
): DurableSink {
  try {
    return new DurableSink({
      seal: (tenantId, events) => log.sealer.seal(tenantId, events),
      spoolDir: join(dataDir, AUDIT_SPOOL_DIR),
      logger: {
        warn: (message) => logger()?.warn(message),
        error: (message) => logger()?.error(message),
      },
    })
  } catch (error) {
    // The SDK's words are for its own users ("give each its own spoolDir"); a server's
    // operator chooses a data directory.
    if (!(error instanceof SpoolLockedError)) throw error
    throw new ConfigError(
      `data directory ${dataDir} is in use by another auditseal serve (process ` +
        `${error.ownerPid}): its audit spool can serve one process only. Give each server its ` +
        'own --data-dir (AUDITSEAL_DATA_DIR), also when they share a database',
      { cause: error },
    )
  }
}

/** How long shutdown waits for the final checkpoint pass. */
const FINAL_CHECKPOINT_MS = 5_000

async function shutdown({
  app,
  authAuditor,
  sink,
  checkpointer,
  store,
  logger,
}: {
  app: FastifyInstance
  authAuditor: AuthFailureAuditor
  sink: AuditSink
  checkpointer: Checkpointer
  store: Store
  logger: FastifyBaseLogger
}): Promise<void> {
  let lost: unknown
  try {
    await app.close() // no new connections; in-flight requests finish (and log their events)
    authAuditor.close() // the auth failures held back and not yet reported, into the spool
    try {
      await sink.close()
    } catch (error) {
      lost = error
      logger.error({ err: error, stats: sink.stats() }, 'audit events were lost at shutdown')
    }
    // The final pass signs what the drained queue sealed. If it fails (the database went
    // away) nothing is lost — the events are sealed or spooled, and the next start signs
    // them — so it is reported, not a failed shutdown, and it may not hold the exit up.
    const stopped = checkpointer.stop()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${FINAL_CHECKPOINT_MS / 1000} s`)),
        FINAL_CHECKPOINT_MS,
      )
    })
    try {
      await Promise.race([stopped, late])
    } catch (error) {
      stopped.catch(() => {})
      logger.warn(
        { err: error },
        'the final checkpoint pass failed; nothing is lost: the next start signs what it did not',
      )
    } finally {
      clearTimeout(timer)
    }
  } finally {
    await store.close()
  }
  if (lost !== undefined) throw lost
}
