import { describe, expect, it } from 'vitest'
import { forbiddenText, rbacRuleOf } from './rbac-rule.ts'

describe('rbacRuleOf', () => {
  it.each([
    ['GET', '/api/v1/namespaces/app/pods/web-1', {}, 'forbidden: get pods in namespace app'],
    ['GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName=n1' }, 'forbidden: list pods'],
    ['GET', '/api/v1/pods', { watch: true }, 'forbidden: watch pods'],
    ['GET', '/api/v1/namespaces/app', {}, 'forbidden: get namespaces'],
    ['GET', '/api/v1/nodes/n1', {}, 'forbidden: get nodes'],
    ['PUT', '/apis/spiderpool.spidernet.io/v2beta1/spiderippools/p1/status', {}, 'forbidden: update spiderippools/status.spiderpool.spidernet.io'],
    [
      'POST',
      '/apis/spiderpool.spidernet.io/v2beta1/namespaces/app/spiderendpoints',
      {},
      'forbidden: create spiderendpoints.spiderpool.spidernet.io in namespace app',
    ],
    [
      'DELETE',
      '/apis/spiderpool.spidernet.io/v2beta1/namespaces/app/spiderendpoints/web-1',
      {},
      'forbidden: delete spiderendpoints.spiderpool.spidernet.io in namespace app',
    ],
    ['PATCH', '/api/v1/namespaces/app/events/e1', {}, 'forbidden: patch events in namespace app'],
    [
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/spinneret-system/leases/spinneret-leader',
      {},
      'forbidden: update leases.coordination.k8s.io in namespace spinneret-system',
    ],
    ['GET', '/apis/spiderpool.spidernet.io/v2beta1', {}, 'forbidden: get /apis/spiderpool.spidernet.io/v2beta1'],
  ])('%s %s', (method, path, query, text) => {
    expect(forbiddenText(rbacRuleOf(method, path, query))).toBe(text)
  })
})
