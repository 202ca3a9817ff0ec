export { HASH_SIZE, createTreeHasher } from './hash.js'
export type { TreeHasher } from './hash.js'
export { MAX_TREE_SIZE } from './size.js'
export { storedHashCount, storedHashIndex } from './stored-index.js'
export {
  EMPTY_FRONTIER,
  appendLeaves,
  assertFrontier,
  frontierIndexes,
  frontierRoot,
} from './append.js'
export type { Frontier, StoredHash } from './append.js'
export {
  consistencyProofFromStored,
  consistencyProofIndexes,
  inclusionProofFromStored,
  inclusionProofIndexes,
  treeHashFromStored,
  treeHashIndexes,
} from './prove.js'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js'
export { MemoryHashStore } from './memory-store.js'
