import { parseAppKey } from '../../shared/autopool/index.ts'
import { reconcile, type AutoPoolDeps } from './index.ts'

/**
 * The dispatcher's entry: reconcile the application of a key (`Deployment/ns/name`) and say which
 * subnets it waits on, so that their changes wake it.
 */
export async function reconcileApp(key: string, deps: AutoPoolDeps): Promise<{ waitsOn: readonly string[] }> {
  const app = parseAppKey(key)
  if (!app) return { waitsOn: [] }
  const outcome = await reconcile(app, deps)
  return { waitsOn: outcome.result === 'waiting' || outcome.result === 'refused' ? outcome.subnets : [] }
}
