import { defineConfig } from 'vitest/config'

// Unit tests sit beside the code; integration and e2e tests live under test/ and talk to the
// real control plane that test/global-setup.ts starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'cni/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // Builds (cold: minutes) and starts etcd + kube-apiserver once for the run.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
          // One shared API server: files run one after another so they do not race on it.
          fileParallelism: false,
        },
      },
    ],
  },
})
