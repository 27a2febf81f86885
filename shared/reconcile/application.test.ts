import { describe, expect, it } from 'vitest'
import { LABEL } from '../api/index.ts'
import { applicationOf } from './application.ts'
import { ownerLabels } from './fixtures.testkit.ts'

describe('applicationOf', () => {
  it.each([
    ['a Deployment', ownerLabels('apps_v1', 'Deployment', 'default', 'web'), 'apps_v1_Deployment_default_web'],
    ['a bare Pod (core group)', ownerLabels('v1', 'Pod', 'ns', 'bare'), 'v1_Pod_ns_bare'],
    ['a Job', ownerLabels('batch_v1', 'Job', 'ns', 'j'), 'batch_v1_Job_ns_j'],
    ['a hand-written apps/v1', ownerLabels('apps/v1', 'StatefulSet', 'db', 'pg'), 'apps_v1_StatefulSet_db_pg'],
    ['no labels', undefined, undefined],
    ['a pool a user made', { [LABEL.ippoolCIDR]: '10-6-0-0-16' }, undefined],
    ['a label missing', { ...ownerLabels('apps_v1', 'Deployment', 'default', 'web'), [LABEL.ownerApplicationName]: '' }, undefined],
  ])('%s', (_, labels, expected) => {
    expect(applicationOf(labels)).toBe(expected)
  })
})
