export {
  isEmptySelector,
  labelSelectorProblems,
  matchesLabelSelector,
  type Labels,
} from './label-selector.ts'
export { compileWildcard, expandPoolNames, isWildcard, WildcardSyntaxError } from './wildcard.ts'
export type { IPVersion, PoolView } from './pool-view.ts'
export { appLabels, type AppRef } from './app-labels.ts'
export {
  selectCandidates,
  type CandidateRequest,
  type Candidates,
  type NicCandidates,
  type PoolCandidates,
  type SelectionTier,
  type SubnetCandidates,
} from './candidates.ts'
export {
  allFilteredOut,
  filterCandidates,
  filterFamily,
  missingPool,
  rejectionReason,
  type FamilyVerdict,
  type FilterContext,
  type FilteredNic,
  type Rejection,
} from './filter.ts'
export { poolViewOf } from './pool-view-of.ts'
export { byPoolPriority } from './priority.ts'
export { poolsNamedByPod, poolsToRead } from './pools-to-read.ts'
