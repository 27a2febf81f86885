import { MemoryStore } from './memory-store.ts'
import { describeStoreContract } from './store-contract.testkit.ts'

describeStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return {
    store,
    createSubnet: async (subnet) => {
      store.putSubnet(subnet)
      return (await store.getSubnet(subnet.metadata.name))!
    },
    cleanup: async () => {},
  }
})
