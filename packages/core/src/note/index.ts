// C2SP signed notes and tlog checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).
export {
  ED25519_ALGORITHM,
  deriveSigner,
  encodePrivateKey,
  formatKeyId,
  generateSigningKey,
  isValidKeyName,
  keyIdFor,
  parsePrivateKey,
  parseVerifierKey,
  signerFromKey,
  verifierFor,
  verifierFromPublicKey,
  verifierKeyForName,
  verifierKeyString,
} from './keys.js'
export type { Signer, SigningKey, VerifierKey } from './keys.js'
export {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  keyRef,
  openNote,
  signNote,
  verifierIndex,
} from './note.js'
export type { NoteSignature, OpenedNote, Verifiers } from './note.js'
export {
  formatCheckpoint,
  logOrigin,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.js'
export type { Checkpoint, CheckpointInput, OpenedCheckpoint } from './checkpoint.js'
