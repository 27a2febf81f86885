/**
 * The claim registry: which pool may hand out which addresses. Admission refuses overlapping pools
 * against a possibly stale view of the cluster; the registry closes that gap (see decideClaim).
 */
export { ClaimSchema, parseClaims, serializeClaims, type Claim, type ClaimRegistry } from './claim-registry.ts'
export { claimKey, claimsOfLivePools, decideClaim, generationOf, neededRanges, type ClaimDecision } from './decide-claim.ts'
