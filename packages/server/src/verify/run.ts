// verifyLog: the whole verification of one tenant's log from one source — resolve the
// verifier key and the tenant, gather every checkpoint (outside copies first, then the log's
// own list), stream the events through the LogVerifier, and say what was found.

import type { CryptoProvider, TreeHasher, VerifierKey } from '@auditseal/core'
import { AuditsealError, createTreeHasher, isUuid, parseVerifierKey } from '@auditseal/core'
import { nodeCrypto } from '../crypto/node-crypto.js'
import { openPostgres } from '../db/postgres.js'
import type { CheckpointCopy } from './checkpoints.js'
import { CheckpointBook } from './checkpoints.js'
import { LogVerifier } from './engine.js'
import type { VerifyResult } from './engine.js'
import { VerifyError } from './errors.js'
import type { Finding, FindingKind } from './findings.js'
import { FindingLog } from './findings.js'
import type { Progress } from './progress.js'
import { NO_PROGRESS } from './progress.js'
import { ApiClient } from './sources/api-client.js'
import { ApiSource } from './sources/api.js'
import { readCheckpointDir, readCheckpointFile } from './sources/checkpoint-files.js'
import { DatabaseSource } from './sources/database.js'
import type { RecordCheck } from './event-check.js'
import { checkRecord } from './event-check.js'
import { forEachChecked } from './sources/export-batch.js'
import type { Range } from './sources/export-fast.js'
import { readRanges, speculateExport } from './sources/export-fast.js'
import { ExportFileSource } from './sources/export-file.js'
import { parseExportLine } from './sources/export-line.js'
import { defaultWorkers } from './sources/parallel.js'
import type { EventRecord, LogSource, SourceKind } from './sources/types.js'
import { nodeDigests, providerDigests } from './tree.js'
import type { RepeatedIdCheck } from './repeated-ids.js'
import { checkRepeatedIds, reportNotCanonical, reportRepeatedIds } from './repeated-ids.js'

export type SourceOptions =
  | { kind: 'database'; databaseUrl: string; tenant: string; pageSize?: number }
  | { kind: 'export'; file: string; tenant?: string }
  | { kind: 'api'; url: string; token: string; tenant?: string; fetch?: typeof fetch }

export interface VerifyLogOptions {
  source: SourceOptions
  /** The pinned verifier key `<origin>+<hex8>+<base64>`; the API's published one otherwise. */
  vkey?: string
  /** The auditor's saved signed checkpoint. */
  trustedFile?: string
  /** A signed checkpoint to check an export against. */
  checkpointFile?: string
  /** A checkpoint directory: `<dir>/<tenant>/<size>` and `latest`. */
  checkpointDir?: string
  /** Events beyond the newest signed checkpoint are an error. */
  strict?: boolean
  crypto?: CryptoProvider
  progress?: Progress
  /**
   * Worker threads to check an export's events on; 0: on this thread. Default: one per
   * core but one when there are more than two cores, else none (sources/parallel.ts).
   */
  workers?: number
  /**
   * Vouch for an export's events by their bytes where a signed root matches, and run the full
   * checks only from the first thing that does not (default true; docs/verify.md). False:
   * the full checks for every event.
   */
  fastPath?: boolean
  /** Ends the verification early (rejecting with the signal's reason), its files removed. */
  signal?: AbortSignal
}

export interface VerifyReport {
  readonly tenant: string
  readonly origin: string
  readonly source: { readonly kind: SourceKind; readonly label: string }
  /** False when the key came from the log itself (the API) rather than from the auditor. */
  readonly keyPinned: boolean
  readonly result: VerifyResult
  /** Checkpoints given (all sources) and how many verified with the key. */
  readonly checkpoints: { readonly copies: number; readonly verified: number }
  readonly findings: readonly Finding[]
  /** Findings not listed because there were too many (counted in `counts`). */
  readonly omittedFindings: number
  readonly counts: Partial<Record<FindingKind, number>>
  /** Things the reader must know that are not findings, e.g. an unpinned key. */
  readonly warnings: readonly string[]
  /**
   * intact; tampered (some finding is tampering); unverified (the only errors are
   * `nothing_signed`: nothing signed vouches for the events, so they cannot be shown intact).
   */
  readonly verdict: Verdict
  /** 0 intact, 1 tampering found or nothing signed vouches for the events. */
  readonly exitCode: 0 | 1
}

export type Verdict = 'intact' | 'tampered' | 'unverified'

export async function verifyLog(options: VerifyLogOptions): Promise<VerifyReport> {
  const crypto = options.crypto ?? nodeCrypto
  const progress = options.progress ?? NO_PROGRESS
  const warnings: string[] = []
  const { source, key, keyPinned } = await openSource(options, crypto, warnings)
  let repeated: RepeatedIdCheck | undefined
  try {
    const tenant = tenantOf(key.name)
    // Outside copies first: the checkpointer stores a checkpoint before it publishes it, so
    // every copy read before the log's list must be in that list.
    const copies = await outsideCheckpoints(options, tenant, warnings)
    const [logList, expected] = await Promise.all([source.checkpoints(), source.expectedEvents()])
    const findings = new FindingLog()
    const book = CheckpointBook.open([...copies, ...(logList ?? [])], {
      crypto,
      verifierKey: key,
      tenant,
      findings,
      logListIsComplete: logList !== undefined,
    })
    const hasher = createTreeHasher(crypto)
    const digests = crypto === nodeCrypto ? nodeDigests() : providerDigests(crypto)
    const verifier = new LogVerifier({
      tenant,
      hasher,
      digests,
      book,
      findings,
      strict: options.strict ?? false,
      keyPinned,
    })
    progress.start(expected ?? (book.newestSize || undefined), 'events')
    repeated = checkRepeatedIds(source, options.signal)
    let vouched = 0
    try {
      if (source instanceof ExportFileSource) {
        // The fast path first, as far as signed roots vouch for the bytes; then, from where it
        // stopped, each event is checked on its own in batches, on worker threads when the
        // hashes are node's own; the verifier takes them in file order.
        let start = 0
        if (options.fastPath !== false && verifier.speculate()) {
          const stop = await speculateExport(source.path, verifier, digests, progress, {
            ...(options.signal !== undefined && { signal: options.signal }),
          })
          start = stop.resumeAt
          // Lines read past the last vouched size are read again below: count them once.
          vouched = verifier.committed
          progress.set(vouched)
          await primeOrder(verifier, source.path, stop.before, tenant, hasher)
        }
        const workers = crypto === nodeCrypto ? (options.workers ?? defaultWorkers()) : 0
        const add = (record: EventRecord, check: RecordCheck) => verifier.add(record, check)
        for await (const batch of source.checkedBatches({ tenant, hasher, workers, start })) {
          options.signal?.throwIfAborted()
          forEachChecked(batch, add)
          progress.tick(batch.seqs.length)
        }
      } else {
        for await (const record of source.events()) {
          options.signal?.throwIfAborted()
          const check = checkRecord(record, tenant, hasher)
          verifier.add(record, check)
          repeated.add(record, check)
          progress.tick()
        }
      }
    } finally {
      progress.stop()
    }
    // Before finish(): an event these name explains a root difference like any other finding.
    const found = await repeated.result()
    options.signal?.throwIfAborted()
    reportRepeatedIds(found, tenant, findings, warnings)
    reportNotCanonical(found, vouched, tenant, findings, warnings)
    const result = verifier.finish()
    return {
      tenant,
      origin: key.name,
      source: { kind: source.kind, label: source.label },
      keyPinned,
      result,
      checkpoints: { copies: book.copies, verified: book.verified.length },
      findings: findings.findings,
      omittedFindings: findings.omittedCount,
      counts: findings.counts(),
      warnings,
      verdict: verdictOf(findings),
      exitCode: findings.errorCount > 0 ? 1 : 0,
    }
  } finally {
    // Best effort: a folder that cannot be removed must not hide what ended the run.
    await repeated?.close().catch(() => {})
    await source.close()
  }
}

function verdictOf(findings: FindingLog): Verdict {
  if (findings.errorCount === 0) return 'intact'
  const unsigned = findings.counts().nothing_signed ?? 0
  return findings.errorCount === unsigned ? 'unverified' : 'tampered'
}

/**
 * Gives the verifier the recorded_at of the last events the fast path vouched for (their
 * lines read again and checked), so order hints from there on are the full path's.
 */
async function primeOrder(
  verifier: LogVerifier,
  path: string,
  before: readonly Range[],
  tenant: string,
  hasher: TreeHasher,
): Promise<void> {
  const count = verifier.committed
  const lines = await readRanges(path, before)
  verifier.prime(
    lines.map((bytes, i) => ({
      seq: count - lines.length + i,
      recordedAt: checkRecord(parseExportLine(bytes), tenant, hasher).recordedAt,
    })),
  )
}

interface OpenedSource {
  source: LogSource
  key: VerifierKey
  keyPinned: boolean
}

async function openSource(
  options: VerifyLogOptions,
  crypto: CryptoProvider,
  warnings: string[],
): Promise<OpenedSource> {
  const spec = options.source
  if (spec.kind === 'api') {
    const client = new ApiClient(spec)
    const log = await client.log()
    const published = parseKey(crypto, log.vkey, 'the verifier key the API publishes')
    let key = published
    if (options.vkey === undefined) {
      warnings.push(
        `THE VERIFIER KEY IS NOT PINNED: checkpoints are checked with the key the log itself publishes (${log.vkey}). ` +
          'Whoever controls the server can replace both the log and its key. Pin the key you were given with --vkey.',
      )
    } else {
      key = parseKey(crypto, options.vkey, '--vkey')
      if (log.vkey !== options.vkey) {
        warnings.push(`the API publishes another verifier key (${log.vkey}) than the pinned one`)
      }
    }
    checkTenant(key, spec.tenant ?? tenantOf(log.origin))
    return {
      source: new ApiSource(client, log.treeSize),
      key,
      keyPinned: options.vkey !== undefined,
    }
  }
  if (options.vkey === undefined) {
    throw new VerifyError(
      'USAGE',
      `--vkey is required with --${spec.kind === 'database' ? 'database-url' : 'export'}: the verifier key of the tenant's log ("vkey" of GET /v1/log with a token of that tenant)`,
    )
  }
  const key = parseKey(crypto, options.vkey, '--vkey')
  if (spec.kind === 'database') {
    checkTenant(key, spec.tenant)
    const db = openPostgres(spec.databaseUrl, { max: 2, applicationName: 'auditseal verify' })
    const label = redactUrl(spec.databaseUrl)
    return {
      source: new DatabaseSource({
        db,
        tenant: spec.tenant,
        label,
        ...(spec.pageSize ? { pageSize: spec.pageSize } : {}),
      }),
      key,
      keyPinned: true,
    }
  }
  checkTenant(key, spec.tenant ?? tenantOf(key.name))
  const file = new ExportFileSource(spec.file)
  await file.open()
  // Not an error: the first line may be the tampered one. A wrong key makes every event
  // differ, and this says why.
  const first = await file.firstTenant()
  if (first !== undefined && first !== tenantOf(key.name)) {
    warnings.push(
      `the export's first event belongs to tenant ${JSON.stringify(first.slice(0, 64))}, and the verifier key is for ${key.name}: ` +
        `if every event differs, the key (or --tenant) is another tenant's — give the export's tenant's key (GET /v1/log)`,
    )
  }
  return { source: file, key, keyPinned: true }
}

/** The outside copies, read before the log's own list (see CheckpointBook: removals). */
async function outsideCheckpoints(
  options: VerifyLogOptions,
  tenant: string,
  warnings: string[],
): Promise<CheckpointCopy[]> {
  const copies: CheckpointCopy[] = []
  if (options.checkpointDir !== undefined)
    copies.push(...(await readCheckpointDir(options.checkpointDir, tenant, warnings)))
  if (options.trustedFile !== undefined) {
    copies.push(
      await readCheckpointFile(options.trustedFile, 'trusted', 'trusted checkpoint', '--trusted'),
    )
  }
  if (options.checkpointFile !== undefined) {
    copies.push(
      await readCheckpointFile(
        options.checkpointFile,
        'checkpoint-file',
        'checkpoint file',
        '--checkpoint',
      ),
    )
  }
  return copies
}

/** A verifier key given as `what` (a flag); a malformed one is a usage error naming it. */
export function parseKey(crypto: CryptoProvider, text: string, what: string): VerifierKey {
  try {
    return parseVerifierKey(crypto, text)
  } catch (error) {
    if (error instanceof AuditsealError) {
      throw new VerifyError('USAGE', `${what}: ${error.message}`, { cause: error })
    }
    throw error
  }
}

/** The tenant of an origin `<log name>/<tenant_id>`. */
function tenantOf(origin: string): string {
  return origin.slice(origin.lastIndexOf('/') + 1)
}

function checkTenant(key: VerifierKey, tenant: string): void {
  if (!isUuid(tenant) || tenant !== tenant.toLowerCase()) {
    throw new VerifyError('USAGE', `--tenant: ${JSON.stringify(tenant)} is not a lowercase UUID`)
  }
  if (tenantOf(key.name) !== tenant) {
    throw new VerifyError(
      'USAGE',
      `the verifier key is for the log ${key.name}, not for tenant ${tenant}`,
    )
  }
}

/** A URL without its password, for reports. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable URL)'
  }
}
